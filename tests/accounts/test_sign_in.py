"""Sign-in: password, lock-out after repeated failures, TOTP second step, sign-out."""

import datetime as dt

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from acucare.accounts.models import LoginAttempt
from acucare.audit.models import AuditEvent
from tests.factories import PASSWORD, enrol_totp, make_admin, make_practitioner

pytestmark = pytest.mark.django_db


def client(ip: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=ip)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A six-digit code that matches none of the steps the server accepts now."""
    now = timezone.now()
    accepted = {totp.at(now + dt.timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in accepted)


def sign_in(c: Client, username: str, password: str = PASSWORD):
    return c.post("/sign-in/", {"username": username, "password": password})


def test_a_practitioner_signs_in_and_lands_on_the_patient_list():
    doc = make_practitioner()
    c = client()
    response = sign_in(c, doc.username)
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    assert c.get("/patients/").status_code == 200
    event = AuditEvent.objects.get(action="login")
    assert (event.actor, event.ip_address) == (doc, "10.0.0.1")


def test_an_admin_lands_on_the_user_list():
    admin = make_admin()
    assert sign_in(client(), admin.username)["Location"] == "/admin/users/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong():
    doc = make_practitioner()
    response = sign_in(client(), doc.username, "not the password")
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()
    assert (
        AuditEvent.objects.filter(action="login_failed", actor_username=doc.username).count() == 1
    )


def test_a_deactivated_user_cannot_sign_in():
    doc = make_practitioner(is_active=False)
    response = sign_in(client(), doc.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client().session


def test_five_failures_lock_the_username_from_that_address():
    doc = make_practitioner()
    c = client()
    for _ in range(4):
        assert sign_in(c, doc.username, "wrong").status_code == 200
    fifth = sign_in(c, doc.username, "wrong")
    assert fifth.status_code == 429
    assert "Sign-in is locked until" in fifth.content.decode()
    # Even the right password is refused while locked, and the refusal is audited.
    locked = sign_in(c, doc.username)
    assert locked.status_code == 429
    assert "Sign-in is locked until" in locked.content.decode()
    assert AuditEvent.objects.filter(action="login_locked").count() == 1
    # Another address is not affected (the lock is per username and address).
    assert sign_in(client("10.0.0.2"), doc.username).status_code == 302


def test_the_lock_lifts_after_the_window():
    doc = make_practitioner()
    c = client()
    for _ in range(5):
        sign_in(c, doc.username, "wrong")
    assert sign_in(c, doc.username).status_code == 429
    # Age the failures past the 15-minute window (stored in the database, not memory).
    LoginAttempt.objects.filter(username=doc.username).update(
        at=timezone.now() - dt.timedelta(minutes=16)
    )
    assert sign_in(c, doc.username).status_code == 302


def test_a_success_clears_earlier_failures():
    doc = make_practitioner()
    for _ in range(4):
        sign_in(client(), doc.username, "wrong")
    assert sign_in(client(), doc.username).status_code == 302
    for _ in range(4):
        assert sign_in(client(), doc.username, "wrong").status_code == 200


def test_usernames_are_throttled_case_insensitively():
    doc = make_practitioner()
    for _ in range(5):
        sign_in(client(), doc.username.upper(), "wrong")
    assert sign_in(client(), doc.username).status_code == 429


def test_sign_out_is_a_post_and_is_audited():
    doc = make_practitioner()
    c = client()
    sign_in(c, doc.username)
    assert c.get("/sign-out/").status_code == 405
    response = c.post("/sign-out/")
    assert response["Location"] == "/sign-in/"
    assert c.get("/patients/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor=doc).count() == 1


def test_next_parameter_is_followed_only_within_the_site():
    doc = make_practitioner()
    c = client()
    response = c.post(
        "/sign-in/",
        {"username": doc.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/patients/"
    c2 = client()
    response = c2.post(
        "/sign-in/", {"username": doc.username, "password": PASSWORD, "next": "/account/tokens/"}
    )
    assert response["Location"] == "/account/tokens/"


class TestTwoFactor:
    def test_password_then_code(self):
        doc = make_practitioner()
        totp = enrol_totp(doc)
        c = client()
        response = sign_in(c, doc.username)
        assert response["Location"] == "/sign-in/code/"
        assert c.get("/patients/").status_code == 302  # not signed in yet
        wrong = c.post("/sign-in/code/", {"code": wrong_code(totp)})
        assert wrong.status_code == 200
        assert "That code is not correct" in wrong.content.decode()
        right = c.post("/sign-in/code/", {"code": totp.now()})
        assert right["Location"] == "/patients/"
        assert c.get("/patients/").status_code == 200
        assert AuditEvent.objects.get(action="login").detail == {"two_factor": True}

    def test_a_code_cannot_be_used_twice(self):
        doc = make_practitioner()
        totp = enrol_totp(doc)
        code = totp.now()
        first = client()
        sign_in(first, doc.username)
        assert first.post("/sign-in/code/", {"code": code}).status_code == 302
        second = client()
        sign_in(second, doc.username)
        assert second.post("/sign-in/code/", {"code": code}).status_code == 200

    def test_wrong_codes_count_towards_the_lock(self):
        doc = make_practitioner()
        totp = enrol_totp(doc)
        c = client()
        sign_in(c, doc.username)
        for _ in range(4):
            assert c.post("/sign-in/code/", {"code": wrong_code(totp)}).status_code == 200
        response = c.post("/sign-in/code/", {"code": wrong_code(totp)})
        assert response.status_code == 429
        assert "Sign-in is locked until" in response.content.decode()

    def test_the_code_step_expires(self):
        doc = make_practitioner()
        enrol_totp(doc)
        c = client()
        sign_in(c, doc.username)
        session = c.session
        pending = session["acucare_pending_two_factor"]
        pending["at"] -= 600
        session["acucare_pending_two_factor"] = pending
        session.save()
        assert c.get("/sign-in/code/")["Location"] == "/sign-in/"

    def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(self):
        doc = make_practitioner()
        c = client()
        sign_in(c, doc.username)
        page = c.get("/account/two-factor/")
        html = page.content.decode()
        assert "<svg" in html
        assert "Secret key" in html
        secret = c.session["acucare_enrol_secret"]
        bad = c.post("/account/two-factor/", {"code": wrong_code(pyotp.TOTP(secret))})
        assert "does not match" in bad.content.decode()
        good = c.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
        assert good.status_code == 302
        doc.refresh_from_db()
        assert doc.two_factor_enabled
        assert doc.totp_secret == secret
        assert AuditEvent.objects.filter(action="two_factor", actor=doc).count() == 1

    def test_clinic_wide_enforcement_sends_unenrolled_users_to_enrolment(self):
        from acucare.accounts.models import Clinic

        Clinic.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
        doc = make_practitioner()
        c = client()
        sign_in(c, doc.username)
        response = c.get("/patients/")
        assert response.status_code == 302
        assert response["Location"] == "/account/two-factor/"
        assert c.get("/account/two-factor/").status_code == 200
        api = c.get("/api/v1/patients")
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "two_factor_required"
        # Sign-out still works.
        assert c.post("/sign-out/").status_code == 302


def test_many_failures_from_one_address_lock_the_address_for_every_username(settings):
    settings.ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    doc = make_practitioner()
    c = client("10.9.9.9")
    for n in range(7):
        assert sign_in(c, f"guess{n}", "wrong").status_code == 200
    assert sign_in(c, "guess7", "wrong").status_code == 429  # the eighth locks the address
    response = sign_in(c, doc.username)
    assert response.status_code == 429
    assert sign_in(client("10.9.9.10"), doc.username).status_code == 302


def test_the_admin_clears_a_lock():
    from tests.factories import make_admin, signed_in

    doc = make_practitioner()
    c = client()
    for _ in range(5):
        sign_in(c, doc.username, "wrong")
    assert sign_in(c, doc.username).status_code == 429
    response = signed_in(make_admin()).post(
        f"/admin/users/{doc.public_id}/", {"action": "clear_lock"}
    )
    assert response.status_code == 302
    assert sign_in(c, doc.username).status_code == 302
    assert AuditEvent.objects.filter(detail__change="sign-in lock cleared").count() == 1
    assert (
        AuditEvent.objects.filter(action="login_failed", actor_username=doc.username).count() == 5
    )
