"""/fhir/r4/ answers a FHIR client, never a browser: an ended session, a clinic that
requires two-factor authentication and a patient's portal account are each refused
with an OperationOutcome (FHIR JSON), not a redirect to a sign-in page."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from acucare.accounts.middleware import SIGNED_IN_AT
from acucare.accounts.models import Clinic
from tests.factories import make_patient, make_practitioner, signed_in
from tests.fhir.factories import validate
from tests.portal.factories import make_portal_patient

pytestmark = pytest.mark.django_db


def assert_outcome(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert "Location" not in response
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    body = response.json()
    validate(body)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code


def expired(client: Client, key: str, seconds_ago: float) -> Client:
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()
    return client


@pytest.mark.parametrize("ended", ["idle", "twelve_hours"])
def test_an_ended_browser_session_is_401_operation_outcome(settings, ended):
    doc = make_practitioner()
    patient = make_patient(doc)
    client = signed_in(doc)
    url = f"/fhir/r4/Patient/{patient.public_id}"
    assert client.get(url).status_code == 200
    if ended == "idle":
        expired(client, "acucare_last_seen", (settings.ACUCARE_IDLE_TIMEOUT_MINUTES + 1) * 60)
    else:
        expired(client, SIGNED_IN_AT, settings.SESSION_COOKIE_AGE + 1)
    response = client.get(f"{url}/$everything")
    assert_outcome(response, 401, "login")
    assert response["WWW-Authenticate"] == "Bearer"
    # really signed out: the next request has no session either
    assert_outcome(client.get(url), 401, "login")


def test_no_credentials_is_401_operation_outcome():
    patient = make_patient(make_practitioner())
    assert_outcome(Client().get(f"/fhir/r4/Patient/{patient.public_id}"), 401, "login")
    assert_outcome(Client().get("/fhir/r4/Questionnaire/phq9"), 401, "login")


def test_a_clinic_requiring_two_factor_refuses_an_unenrolled_practitioner_as_fhir():
    doc = make_practitioner()
    patient = make_patient(doc)
    Clinic.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    response = signed_in(doc).get(f"/fhir/r4/Patient/{patient.public_id}")
    assert_outcome(response, 403, "forbidden")


def test_a_patients_portal_account_is_refused_as_fhir():
    patient, user = make_portal_patient(make_practitioner())
    response = signed_in(user).get(f"/fhir/r4/Patient/{patient.public_id}")
    assert_outcome(response, 403, "forbidden")
