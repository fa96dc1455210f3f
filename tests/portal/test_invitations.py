"""Inviting a patient to the portal: a single-use, expiring link stored as a digest,
shown with a QR code and sent by e-mail through a background job; setting the password
(Argon2); and the refusals of a bad, used, withdrawn or expired link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from acucare.accounts.models import LoginAttempt, Role, User
from acucare.audit.models import AuditEvent
from acucare.domain.errors import InputError
from acucare.jobs.models import JobRun, RunStatus
from acucare.portal import services, tokens
from acucare.portal.models import Invitation, PortalAccount
from tests.factories import (
    PASSWORD,
    actor,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

NEW_PASSWORD = "a long walk by the river 7"


@pytest.fixture
def practitioner() -> User:
    return make_practitioner()


@pytest.fixture
def patient(practitioner):
    return make_patient(practitioner, email="Ada.Moreno@Example.org")


def invite(by: User, patient) -> tuple[Invitation, str]:
    return services.invitation_create(
        actor=actor(by), patient_id=patient.public_id, link_base="https://clinic.example/"
    )


def accept(token: str, password: str = NEW_PASSWORD, repeat: str | None = None) -> User:
    return services.invitation_accept(
        token=token, password=password, repeat=repeat or password, ip_address="127.0.0.1"
    )


@pytest.mark.django_db
def test_only_a_digest_of_the_token_is_stored(practitioner, patient):
    invitation, token = invite(practitioner, patient)
    assert len(token) == 64
    assert invitation.digest == tokens.digest(token) != token
    stored = Invitation.objects.values_list("digest", "email").get()
    assert token not in stored
    assert stored[1] == "ada.moreno@example.org"
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    event = AuditEvent.objects.get(object_type="portal_invitation")
    assert (event.action, event.patient_id) == ("create", patient.public_id)
    assert token not in str(event.detail)


@pytest.mark.django_db
def test_accepting_opens_the_patients_own_account_with_an_argon2_password(practitioner, patient):
    _invitation, token = invite(practitioner, patient)
    user = accept(token)
    assert user.role == Role.PATIENT
    assert user.username == "ada.moreno@example.org"
    assert identify_hasher(user.password).algorithm == "argon2"
    assert PortalAccount.objects.get(user=user).patient == patient
    assert Invitation.objects.get().used_at is not None
    event = AuditEvent.objects.get(object_type="portal_account")
    assert (event.action, event.actor, event.patient_id) == ("create", user, patient.public_id)


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["used", "expired", "withdrawn", "unknown"])
def test_a_link_that_cannot_be_used_is_refused_and_changes_nothing(practitioner, patient, when):
    invitation, token = invite(practitioner, patient)
    if when == "used":
        accept(token)
    elif when == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif when == "withdrawn":
        invite(practitioner, patient)
    else:
        token = "0" * 64
    users, accounts = User.objects.count(), PortalAccount.objects.count()
    with pytest.raises(InputError) as refused:
        accept(token, password="another long password 99")
    assert refused.value.field == "invitation"
    assert {
        "used": "already used",
        "expired": "expired",
        "withdrawn": "newer",
        "unknown": "not valid",
    }[when] in refused.value.message
    assert (User.objects.count(), PortalAccount.objects.count()) == (users, accounts)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "repeat", "field"),
    [("short", "short", "password"), (NEW_PASSWORD, NEW_PASSWORD + "x", "repeat_password")],
)
def test_a_refused_password_saves_nothing_and_keeps_the_link(
    practitioner, patient, password, repeat, field
):
    _invitation, token = invite(practitioner, patient)
    with pytest.raises(InputError) as refused:
        accept(token, password=password, repeat=repeat)
    assert refused.value.field == field
    assert not User.objects.filter(role=Role.PATIENT).exists()
    assert Invitation.objects.get().used_at is None
    accept(token)  # still usable


@pytest.mark.django_db
def test_a_new_invitation_sets_a_new_password_on_the_existing_account(practitioner, patient):
    accept(invite(practitioner, patient)[1])
    user = accept(invite(practitioner, patient)[1], password="a brand new phrase 2026")
    assert PortalAccount.objects.count() == 1
    assert user.check_password("a brand new phrase 2026")
    assert AuditEvent.objects.filter(object_type="portal_account", action="update").count() == 1


@pytest.mark.django_db
def test_no_email_or_an_address_another_account_uses_is_refused(practitioner):
    without = make_patient(practitioner, email="")
    with pytest.raises(InputError) as refused:
        invite(practitioner, without)
    assert refused.value.field == "email"
    clash = make_patient(practitioner, email=practitioner.username + "@example.org")
    practitioner.username = clash.email
    practitioner.save()
    with pytest.raises(InputError, match="Another account"):
        invite(practitioner, clash)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_reception_may_invite_and_a_stranger_cannot_find_the_patient(patient):
    from django.http import Http404

    invite(make_reception(), patient)
    with pytest.raises(Http404):
        invite(make_practitioner(), patient)
    assert Invitation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_email_is_sent_by_the_background_job_with_a_working_link(practitioner, patient):
    client = signed_in(practitioner)
    page = client.post(f"/portal/staff/patients/{patient.public_id}/invite/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "QR code of the invitation link" in html
    shown = re.search(r'value="(http://testserver/portal/invitation/[0-9a-f]{64}/)"', html)
    assert shown is not None
    run = JobRun.objects.get(key__startswith="portal-invitation:")
    assert run.status == RunStatus.QUEUED
    assert shown.group(1).split("/")[-2] not in str(run.params)  # the token is never stored
    call_command("worker", burst=True)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    [message] = mail.outbox
    assert message.to == ["ada.moreno@example.org"]
    assert shown.group(1) in message.body
    # The patient follows the link on their phone and is signed in to their portal.
    phone = Client()
    path = shown.group(1).removeprefix("http://testserver")
    assert phone.get(path).status_code == 200
    done = phone.post(path, {"password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/portal/"
    home = phone.get("/portal/")
    assert home.status_code == 200
    assert f"Hello, {patient.given_name}" in home.content.decode()
    assert LoginAttempt.objects.filter(username="ada.moreno@example.org", succeeded=True).exists()
    # The link works once.
    again = Client().get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()


@pytest.mark.django_db
def test_the_link_page_names_each_refusal(practitioner, patient):
    invitation, token = invite(practitioner, patient)
    assert Client().get("/portal/invitation/nonsense/").status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    page = Client().get(f"/portal/invitation/{token}/")
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    posted = Client().post(
        f"/portal/invitation/{token}/", {"password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    )
    assert posted.status_code == 410
    assert not User.objects.filter(role=Role.PATIENT).exists()


@pytest.mark.django_db
def test_a_short_password_on_the_page_names_the_field(practitioner, patient):
    _invitation, token = invite(practitioner, patient)
    page = Client().post(
        f"/portal/invitation/{token}/", {"password": "short", "repeat_password": "short"}
    )
    assert page.status_code == 422
    assert "too short" in page.content.decode()


@pytest.mark.django_db
def test_the_chart_shows_the_portal_section(practitioner, patient):
    page = signed_in(practitioner).get(f"/patients/{patient.public_id}/")
    html = page.content.decode()
    assert "No portal account yet." in html
    assert f"/portal/staff/patients/{patient.public_id}/invite/" in html
    assert PASSWORD  # the factories' password is the one demo and tests share


@pytest.mark.django_db
def test_a_double_submit_of_the_password_form_saves_once(practitioner, patient):
    _invitation, token = invite(practitioner, patient)
    phone = Client()
    path = f"/portal/invitation/{token}/"
    form = {"password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    first = phone.post(path, form)
    assert (first.status_code, first["Location"]) == (302, "/portal/")
    second = phone.post(path, form)
    # The same browser, now signed in: told the password is set, nothing changes.
    assert (second.status_code, second["Location"]) == (302, "/portal/")
    home = phone.get("/portal/").content.decode()
    assert "Your password is already set" in home
    assert PortalAccount.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="portal_account").count() == 1
    # Another browser with the same link is told it was used, and changes nothing.
    other = Client().post(path, {"password": "x" * 20, "repeat_password": "x" * 20})
    assert other.status_code == 410
    assert "already used" in other.content.decode()
    assert User.objects.get(role=Role.PATIENT).check_password(NEW_PASSWORD)
