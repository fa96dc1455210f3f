"""The JSON API: OpenAPI document, authentication (session + CSRF, personal access
tokens), one error shape per domain error, and the same rules as the pages."""

import json

import pytest
from django.test import Client

from acucare.accounts.models import ApiToken, Clinic
from acucare.accounts.services import api_token_create
from acucare.accounts.tokens import digest as token_digest
from acucare.audit.models import AuditEvent
from acucare.patients.models import Patient
from tests.factories import (
    actor,
    make_admin,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "given_name": "Ada",
    "family_name": "Moreno",
    "date_of_birth": "1971-03-04",
    "sex": "female",
}


def post_json(client: Client, path: str, body: object, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def test_openapi_document_lists_every_operation_with_its_schemas():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in [
        "/api/v1/me",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/patients/{patient_id}/episodes",
        "/api/v1/episodes/{episode_id}",
        "/api/v1/audit/events",
        "/api/v1/audit/export.csv",
    ]:
        assert path in paths, path
    schemas = doc["components"]["schemas"]
    for name in [
        "PatientIn",
        "PatientOut",
        "PatientUpdateIn",
        "EpisodeIn",
        "EpisodeOut",
        "AuditEventOut",
    ]:
        assert name in schemas, name
    schemes = doc["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["StaffSession"]["in"] == "cookie"


def test_unauthenticated_requests_get_401_json():
    response = Client().get("/api/v1/patients")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Sign in, or send a valid personal access token.",
        }
    }


def test_session_writes_need_the_csrf_token():
    doc = make_practitioner()
    client = Client(enforce_csrf_checks=True)
    client.force_login(doc, backend="django.contrib.auth.backends.ModelBackend")
    refused = post_json(client, "/api/v1/patients", NEW_PATIENT)
    assert refused.status_code == 403
    assert not Patient.objects.exists()
    client.get("/patients/")  # a page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post_json(client, "/api/v1/patients", NEW_PATIENT, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_a_personal_access_token_works_without_csrf_and_is_stored_hashed():
    doc = make_practitioner()
    row, token = api_token_create(actor=actor(doc), name="practice sync")
    assert row.digest == token_digest(token)
    assert token not in str(ApiToken.objects.values_list())
    client = Client(enforce_csrf_checks=True)
    created = post_json(
        client, "/api/v1/patients", NEW_PATIENT, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert created.status_code == 201
    assert created.json()["primary_practitioner"]["public_id"] == str(doc.public_id)
    event = AuditEvent.objects.get(action="create", object_type="patient")
    assert (event.actor, event.channel) == (doc, "api")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_revoked_or_unknown_token_is_401():
    doc = make_practitioner()
    client = signed_in(doc)
    client.post("/account/tokens/", {"name": "old"})
    row = ApiToken.objects.get(owner=doc)
    _other, token = api_token_create(actor=actor(doc), name="second")
    client.post(f"/account/tokens/{row.public_id}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer acu_not-a-token").status_code == 401
    )
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_the_token_page_shows_a_new_token_once():
    doc = make_practitioner()
    client = signed_in(doc)
    created = client.post("/account/tokens/", {"name": "billing export"})
    html = created.content.decode()
    assert "it will not be shown again" in html
    assert created["Cache-Control"] == "no-store"
    token = html.split('<code class="secret">')[1].split("</code>")[0]
    assert token.startswith("acu_")
    assert token not in client.get("/account/tokens/").content.decode()


def test_another_users_token_cannot_be_revoked():
    owner, other = make_practitioner(), make_practitioner()
    row, _token = api_token_create(actor=actor(owner), name="mine")
    assert signed_in(other).post(f"/account/tokens/{row.public_id}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_tokens_stop_when_the_clinic_requires_two_factor_and_the_owner_has_none():
    doc = make_practitioner()
    _row, token = api_token_create(actor=actor(doc), name="sync")
    Clinic.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_PATIENT, "date_of_birth": "04/03/1971"}, "date_of_birth"),
        ({k: v for k, v in NEW_PATIENT.items() if k != "family_name"}, "family_name"),
        ({**NEW_PATIENT, "sex": "f"}, "sex"),
        ({**NEW_PATIENT, "date_of_birth": "2999-01-01"}, "date_of_birth"),
    ],
)
def test_bad_input_is_422_naming_the_field(body, field):
    response = post_json(signed_in(make_practitioner()), "/api/v1/patients", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"]
    assert not Patient.objects.exists()


def test_bad_episode_codes_name_the_condition():
    doc = make_practitioner()
    patient = make_patient(doc)
    response = post_json(
        signed_in(doc),
        f"/api/v1/patients/{patient.public_id}/episodes",
        {"complaint": "Pain", "conditions": [{"icd10": "M54.50"}, {"icd10": "back"}]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "conditions[1].icd10"
    schema = post_json(
        signed_in(doc),
        f"/api/v1/patients/{patient.public_id}/episodes",
        {"complaint": "Pain", "conditions": [{"icd10": "M54.50", "duration_weeks": -1}]},
    )
    assert schema.status_code == 422
    assert schema.json()["error"]["field"] == "conditions.0.duration_weeks"


def test_a_stale_update_is_409_with_the_current_version():
    doc = make_practitioner()
    patient = make_patient(doc)
    client = signed_in(doc)
    url = f"/api/v1/patients/{patient.public_id}"
    first = client.put(
        url, data=json.dumps({**NEW_PATIENT, "version": 1}), content_type="application/json"
    )
    assert first.json()["version"] == 2
    second = client.put(
        url,
        data=json.dumps({**NEW_PATIENT, "phone": "07911 123 001", "version": 1}),
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "conflict"
    assert second.json()["error"]["current_version"] == 2


def test_reception_gets_403_for_episodes_and_admin_403_for_patients():
    doc = make_practitioner()
    patient = make_patient(doc)
    reception = signed_in(make_reception()).get(f"/api/v1/patients/{patient.public_id}/episodes")
    assert reception.status_code == 403
    assert reception.json()["error"]["code"] == "forbidden"
    assert signed_in(make_admin()).get("/api/v1/patients").status_code == 403


def test_admin_exports_the_audit_log_as_csv_over_the_api():
    doc = make_practitioner()
    patient = make_patient(doc)
    signed_in(doc).get(f"/api/v1/patients/{patient.public_id}")
    response = signed_in(make_admin()).get(
        f"/api/v1/audit/export.csv?patient_id={patient.public_id}"
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.getvalue().decode().splitlines()
    assert lines[0].startswith("at,actor,action")
    assert len(lines) == 2
    assert ",read,patient," in lines[1]
    events = signed_in(make_admin()).get("/api/v1/audit/events?action=export").json()
    assert events["count"] == 1


def test_an_episode_is_put_on_hold_over_the_api_and_the_page():
    from tests.factories import make_episode

    doc = make_practitioner()
    episode = make_episode(make_patient(doc))
    client = signed_in(doc)
    url = f"/api/v1/episodes/{episode.public_id}"
    held = client.put(
        url,
        data=json.dumps({"complaint": "Back", "status": "on_hold", "version": 1}),
        content_type="application/json",
    )
    assert held.status_code == 200
    assert (held.json()["status"], held.json()["version"]) == ("on_hold", 2)
    bad = client.put(
        url,
        data=json.dumps({"complaint": "Back", "status": "closed", "version": 2}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["allowed"] == ["active", "on_hold", "discharged"]
    stale = client.post(
        f"/patients/episodes/{episode.public_id}/edit/",
        {"complaint": "Back", "status": "discharged", "version": 1},
    )
    assert stale.status_code == 409
    done = client.post(
        f"/patients/episodes/{episode.public_id}/edit/",
        {"complaint": "Back", "status": "discharged", "version": 2},
    )
    assert done.status_code == 302
    episode.refresh_from_db()
    assert episode.status == "discharged"
    assert episode.ended_on is not None


def test_an_idempotency_key_makes_a_retried_create_harmless():
    import uuid

    doc = make_practitioner()
    client = signed_in(doc)
    key = str(uuid.uuid4())
    first = post_json(client, "/api/v1/patients", NEW_PATIENT, HTTP_IDEMPOTENCY_KEY=key)
    again = post_json(client, "/api/v1/patients", NEW_PATIENT, HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["public_id"] == again.json()["public_id"]
    assert Patient.objects.count() == 1
    bad = post_json(client, "/api/v1/patients", NEW_PATIENT, HTTP_IDEMPOTENCY_KEY="not-a-uuid")
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "Idempotency-Key"


def test_an_idempotency_key_also_guards_opening_an_episode():
    import uuid

    from acucare.patients.models import Episode

    doc = make_practitioner()
    patient = make_patient(doc)
    client = signed_in(doc)
    key = str(uuid.uuid4())
    body = {"complaint": "Knee pain", "conditions": [{"icd10": "M17.11"}]}
    url = f"/api/v1/patients/{patient.public_id}/episodes"
    first = post_json(client, url, body, HTTP_IDEMPOTENCY_KEY=key)
    again = post_json(client, url, body, HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["public_id"] == again.json()["public_id"]
    assert Episode.objects.count() == 1


def test_every_operation_declares_its_error_documents():
    doc = Client().get("/api/v1/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            assert "422" in responses, (method, path)
            error = responses["401"]["content"]["application/json"]["schema"]["$ref"]
            assert error.endswith("/ErrorOut"), (method, path)
    put = doc["paths"]["/api/v1/patients/{patient_id}"]["put"]["responses"]
    assert put["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")
    assert doc["components"]["schemas"]["PatientIn"]["properties"]["sex"]["enum"] == [
        "female",
        "male",
        "other",
        "unknown",
    ]


def test_sharing_over_the_api():
    owner, colleague = make_practitioner(), make_practitioner()
    patient = make_patient(owner)
    client = signed_in(owner)
    base = f"/api/v1/patients/{patient.public_id}/shares"
    added = post_json(client, base, {"practitioner": str(colleague.public_id)})
    assert added.status_code == 201
    assert added.json()["public_id"] == str(colleague.public_id)
    assert signed_in(colleague).get(f"/api/v1/patients/{patient.public_id}").status_code == 200
    again = post_json(client, base, {"practitioner": str(colleague.public_id)})
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "practitioner"
    assert [p["public_id"] for p in client.get(base).json()] == [str(colleague.public_id)]
    removed = client.delete(f"{base}/{colleague.public_id}")
    assert removed.status_code == 204
    assert signed_in(colleague).get(f"/api/v1/patients/{patient.public_id}").status_code == 404
