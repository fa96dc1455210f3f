"""Every role × every FHIR route → the expected status, with the browser session and with
a personal access token: the API's rules (a stranger gets 404, reception and the admin
403 for clinical content), refusals as OperationOutcomes, anonymous 401."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from acucare.accounts.services import api_token_create
from acucare.jobs.models import JobRun, RunStatus
from tests.factories import (
    actor,
    make_admin,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    share,
    signed_in,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "admin", "owner", "shared", "stranger", "reception")
OK = "ok"
ONE_PATIENT = {"admin": 403, "owner": OK, "shared": OK, "stranger": 404, "reception": OK}
CLINICAL = {"admin": 403, "owner": OK, "shared": OK, "stranger": 404, "reception": 403}
STAFF = dict.fromkeys(ACTORS[1:], OK)
PAGE = "page"  # the row kind of tests/patients/test_access_matrix.py (routes outside /api/v1)

# (kind, method, path, body, expected by actor): the shape of the project's matrix, so
# that tests/test_access_matrix_complete.py finds every FHIR route here.
FHIR_MATRIX: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    (PAGE, "get", "/fhir/r4/Patient/{patient}", None, ONE_PATIENT),
    (PAGE, "get", "/fhir/r4/Patient/{patient}/$everything", None, CLINICAL),
    (PAGE, "get", "/fhir/r4/Observation?patient={patient}", None, CLINICAL),
    (PAGE, "get", "/fhir/r4/Questionnaire/phq9", None, STAFF),
]
# The full-record export's pages (signed-in browser session; anonymous → sign-in page).
RECORD_EXPORT_MATRIX: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    (PAGE, "post", "/fhir/record-export/patients/{patient}/", {}, CLINICAL),
    (PAGE, "get", "/fhir/record-export/{run}/", None, CLINICAL),
]


@pytest.fixture
def world() -> dict[str, Any]:
    owner = make_practitioner()
    users = {
        "admin": make_admin(),
        "owner": owner,
        "shared": make_practitioner(),
        "stranger": make_practitioner(),
        "reception": make_reception(),
    }
    patient = make_patient(owner)
    share(patient, users["shared"])
    make_episode(patient)
    return {"users": users, "patient": patient}


@pytest.mark.parametrize("channel", ["session", "token"])
@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(("kind", "method", "path", "body", "expected_by"), FHIR_MATRIX)
def test_fhir_access(world, channel, who, kind, method, path, body, expected_by):
    del kind, body
    headers: dict[str, str] = {}
    if who == "anonymous":
        client = Client()
    elif channel == "session":
        client = signed_in(world["users"][who])
    else:
        client = Client()
        _token, secret = api_token_create(actor=actor(world["users"][who]), name="FHIR client")
        headers["Authorization"] = f"Bearer {secret}"
    url = path.format(patient=world["patient"].public_id)
    response = getattr(client, method)(url, headers=headers)
    expected = expected_by.get(who, 401)
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    if expected == OK:
        assert response.status_code == 200, response.content[:300]
        assert response.json()["resourceType"] != "OperationOutcome"
    else:
        assert response.status_code == expected, response.content[:300]
        assert response.json()["resourceType"] == "OperationOutcome"


def test_a_wrong_token_is_401():
    response = Client().get("/fhir/r4/metadata")
    assert response.status_code == 200  # the CapabilityStatement is public
    response = Client().get(
        "/fhir/r4/Questionnaire/phq9", headers={"Authorization": "Bearer acu_wrong"}
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(("kind", "method", "path", "body", "expected_by"), RECORD_EXPORT_MATRIX)
def test_record_export_access(
    world, settings, tmp_path, who, kind, method, path, body, expected_by
):
    del kind
    settings.MEDIA_ROOT = tmp_path
    patient = world["patient"]
    name = "record.zip"
    (tmp_path / "record-exports").mkdir()
    (tmp_path / "record-exports" / name).write_bytes(b"PK")
    run = JobRun.objects.create(
        key=f"record-export:{patient.public_id}:202612050100",
        task_path="acucare.fhir.jobs.record_export",
        params={"patient": str(patient.public_id)},
        status=RunStatus.SUCCEEDED,
        result={"file": name},
    )
    client = Client() if who == "anonymous" else signed_in(world["users"][who])
    url = path.format(patient=patient.public_id, run=run.public_id)
    response = getattr(client, method)(url, **({"data": body} if body is not None else {}))
    expected = expected_by.get(who, "login")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
    elif expected == OK and method == "post":  # queued; the chart lists it
        assert response.status_code == 302, response.content[:300]
        assert response["Location"] == f"/patients/{patient.public_id}/"
        assert (
            JobRun.objects.filter(key__startswith=f"record-export:{patient.public_id}:").count()
            == 2
        )
    elif expected == OK:
        assert response.status_code == 200, response.content[:300]
    else:
        assert response.status_code == expected
