"""The low findings of issue 14, each with the test that failed before its fix."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import Client

from acucare.accounts.middleware import SIGNED_IN_AT
from acucare.accounts.models import ApiToken
from acucare.accounts.services import api_token_create
from acucare.audit.models import AuditEvent
from tests.factories import actor, make_admin, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quite long new passphrase 42"


def test_an_admin_password_reset_revokes_the_users_tokens():
    doc = make_practitioner()
    _row, token = api_token_create(actor=actor(doc), name="sync")
    response = signed_in(make_admin()).post(
        f"/admin/users/{doc.public_id}/",
        {"action": "set_password", "password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD},
    )
    assert response.status_code in {200, 302}
    assert ApiToken.objects.get(owner=doc).revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_session_ends_twelve_hours_after_sign_in_however_active(settings):
    client = signed_in(make_practitioner())
    assert client.get("/patients/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert client.get("/patients/").status_code == 302


@pytest.mark.parametrize("path", ["/patients/", "/patients/{patient}/", "/api/v1/patients"])
def test_patient_pages_and_api_responses_are_not_cached(path):
    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).get(path.format(patient=patient.public_id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_api_error_is_not_cached_either():
    response = Client().get("/api/v1/patients")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_the_audit_log_does_not_keep_typed_patient_search_text():
    doc = make_practitioner()
    make_patient(doc, given_name="Zebedee", phone="+44 20 7946 0018")
    signed_in(doc).get("/patients/?q=Zebedee 7946")
    event = AuditEvent.objects.get(action="list", object_type="patient")
    assert "Zebedee" not in json.dumps(event.detail)
    assert "7946" not in json.dumps(event.detail)
    assert event.detail["searched"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/treatment/sessions/{id}/",
        "/treatment/plans/{id}/",
        "/api/v1/sessions/{id}",
        "/api/v1/plans/{id}",
        "/api/v1/assessments/{id}",
    ],
)
def test_a_refused_request_names_the_record_asked_for(path):
    asked = uuid.uuid4()
    response = signed_in(make_practitioner()).get(path.format(id=asked))
    assert response.status_code == 404
    refusal = AuditEvent.objects.get(action="denied")
    assert refusal.object_id == asked


def test_viewing_the_users_pages_is_audited():
    admin = make_admin()
    doc = make_practitioner()
    client = signed_in(admin)
    assert client.get("/admin/users/").status_code == 200
    assert client.get(f"/admin/users/{doc.public_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="list", object_type="user", actor=admin).count() == 1
    read = AuditEvent.objects.get(action="read", object_type="user", actor=admin)
    assert read.object_id == doc.public_id


def test_a_malformed_body_answers_in_the_api_error_schema():
    client = signed_in(make_practitioner())
    response = client.post("/api/v1/patients", "{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {
        "error": {"field": "body", "message": "The request body is not valid JSON."}
    }


def test_a_csrf_failure_answers_in_the_api_error_schema():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_practitioner(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/patients", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(
    "query", ["until=0", "since=0", "until=1700000000", "since=2026-01-01T00:00"]
)
def test_a_number_is_not_a_date_on_the_audit_api(query):
    response = signed_in(make_admin()).get(f"/api/v1/audit/events?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["field"] in {"until", "since"}


def test_a_number_is_not_a_date_on_the_appointments_api():
    from tests.factories import make_reception

    response = signed_in(make_reception()).get("/api/v1/appointments?date_from=0")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "date_from"


def test_false_is_not_a_number_of_days():
    from pydantic import ValidationError

    from acucare.treatment.charting import AdverseEventRecord
    from tests.treatment.factories import SESSION

    event = dict(SESSION["adverse_events"][0])
    event["duration_days"] = False
    with pytest.raises(ValidationError) as caught:
        AdverseEventRecord.model_validate(event)
    assert caught.value.errors()[0]["loc"] == ("duration_days",)
    event["duration_days"] = 3
    assert AdverseEventRecord.model_validate(event).duration_days == 3
