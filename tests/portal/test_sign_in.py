"""The portal's sign-in page: the accounts' sign-in with its throttling, in the patient's
words; no answer tells whether an address belongs to a patient."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from acucare.audit.models import AuditEvent
from tests.factories import PASSWORD, enrol_totp, make_practitioner
from tests.portal.factories import make_portal_patient

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str):
    return client.post("/portal/", {"username": username, "password": password})


def same_page(html: str, address: str) -> str:
    """The page with the address typed and the per-session CSRF token taken out."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html.replace(address, "X"))


def test_signed_out_the_portal_is_the_patient_sign_in_page():
    page = Client().get("/portal/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your patient portal" in html
    assert 'autocomplete="username"' in html
    assert "E-mail address" in html


def test_a_patient_signs_in_to_their_portal():
    patient, user = make_portal_patient(make_practitioner())
    client = Client()
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert f"Hello, {patient.given_name}" in client.get("/portal/").content.decode()
    assert AuditEvent.objects.filter(action="login", actor=user).exists()
    assert AuditEvent.objects.filter(action="read", object_type="portal_home").exists()


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer():
    _patient, user = make_portal_patient(make_practitioner())
    wrong = sign_in(Client(), user.username, "not the password at all")
    unknown = sign_in(Client(), "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert "The username or password is not correct." in wrong.content.decode()
    assert same_page(wrong.content.decode(), user.username) == same_page(
        unknown.content.decode(), "nobody@example.org"
    )


def test_sign_in_is_throttled_like_the_staffs():
    _patient, user = make_portal_patient(make_practitioner())
    client = Client()
    statuses = [sign_in(client, user.username, "wrong password here").status_code for _ in range(6)]
    assert 429 in statuses
    locked = sign_in(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()


def test_a_patient_with_two_step_sign_in_is_asked_for_a_code():
    _patient, user = make_portal_patient(make_practitioner())
    totp = enrol_totp(user)
    client = Client()
    first = sign_in(client, user.username, PASSWORD)
    assert first["Location"] == "/sign-in/code/"
    done = client.post("/sign-in/code/", {"code": totp.now()})
    assert done.status_code == 302
    assert done["Location"] == "/portal/"


def test_a_patient_may_enrol_two_step_sign_in_even_when_the_clinic_requires_it_of_staff():
    from acucare.accounts.models import Clinic

    Clinic.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    _patient, user = make_portal_patient(make_practitioner())
    client = Client()
    client.force_login(user)
    assert client.get("/portal/").status_code == 200
    assert client.get("/account/two-factor/").status_code == 200
