"""The request log: one JSON line per request with its id, user, status and duration, and
never a patient's name or date of birth, whatever the journey typed or opened."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from acucare.accounts import services as account_services
from acucare.operations.logging import JsonFormatter, RequestContextFilter
from acucare.patients.models import Patient
from tests.factories import PASSWORD, actor, make_episode, make_practitioner
from tests.treatment.factories import SESSION, make_plan

pytestmark = pytest.mark.django_db

GIVEN, FAMILY, BORN = "Zebedee", "Quartermaine", "1963-07-19"
FORBIDDEN = (GIVEN, FAMILY, BORN, "19/07/1963", "19 July 1963", "1963")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_clinic_journey_logs_requests_without_patient_data(captured: io.StringIO) -> None:
    practitioner = make_practitioner()
    client = Client(REMOTE_ADDR="127.0.0.1")
    # A failed sign-in that typed the patient's name where the username goes.
    client.post("/sign-in/", {"username": f"{GIVEN} {FAMILY}", "password": BORN})
    client.post("/sign-in/", {"username": practitioner.username, "password": PASSWORD})
    response = client.post(
        "/patients/new/",
        {"given_name": GIVEN, "family_name": FAMILY, "date_of_birth": BORN, "sex": "male"},
    )
    assert response.status_code in (200, 302)
    patient = Patient.objects.get(family_name=FAMILY)
    # A form with an error echoes the typed values back: not into the log.
    client.post(f"/patients/{patient.public_id}/edit/", {"given_name": GIVEN, "date_of_birth": "x"})
    assert client.get("/patients/", {"q": FAMILY}).status_code == 200
    assert client.get(f"/patients/{patient.public_id}/").status_code == 200
    assert client.get(f"/patients/{FAMILY}/").status_code == 404
    # Save a session through the API with a bearer token.
    episode = make_episode(patient)
    from tests.assessments.factories import make_assessment

    make_assessment(episode)
    plan = make_plan(episode, approve=True)
    _, token = account_services.api_token_create(actor=actor(practitioner), name="logs")
    saved = client.post(
        f"/api/v1/plans/{plan.public_id}/sessions",
        data=json.dumps({k: v for k, v in SESSION.items() if v is not None}),
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": "5f0c1d1e-0b7a-4c55-9a43-1f3e2f8b7a10",
        },
    )
    assert saved.status_code in (200, 201), saved.content

    text = captured.getvalue()
    for forbidden in FORBIDDEN:
        assert forbidden not in text, f"the log contains {forbidden!r}"
    requests = [line for line in lines(captured) if line["message"] == "request"]
    assert len(requests) >= 8
    for line in requests:
        assert len(line["request_id"]) >= 8
        assert isinstance(line["status"], int)
        assert line["duration_ms"] >= 0
        assert "?" not in line.get("path", "")
    # An unknown address is logged without its path: it could be anything typed.
    assert any(line["status"] == 404 and "path" not in line for line in requests)
    signed_in = [line for line in requests if line["route"].startswith("patients/")]
    assert {line.get("user_id") for line in signed_in} == {str(practitioner.pk)}
    api = [line for line in requests if line["route"].startswith("api/")]
    assert api[-1]["status"] in (200, 201)
    assert api[-1]["user_id"] == str(practitioner.pk)
    assert {line["status"] for line in requests} >= {200, 302, 404}


def test_each_response_carries_its_request_id_and_a_sane_offered_one_is_kept(
    captured: io.StringIO,
) -> None:
    client = Client()
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345678"})
    assert response["X-Request-ID"] == "proxy-abc-12345678"
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert hostile["X-Request-ID"] != "<script>" + "x" * 100
    assert len(hostile["X-Request-ID"]) == 32
    logged = [line["request_id"] for line in lines(captured) if line["message"] == "request"]
    assert logged == ["proxy-abc-12345678", hostile["X-Request-ID"]]


def test_an_exception_is_logged_by_class_and_stack_without_its_message() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError(f"duplicate key (given_name)=({GIVEN})")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error",
            None,
            sys.exc_info(),
        )
    entry = json.loads(formatter.format(record))
    assert entry["exception"] == "builtins.ValueError"
    assert entry["stack"]
    assert all(" in " in frame for frame in entry["stack"])
    assert GIVEN not in json.dumps(entry)


def test_django_s_own_error_lines_lose_the_path() -> None:
    from django.test import RequestFactory

    request = RequestFactory().get(f"/patients/{FAMILY}/")
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "%s: %s",
        ("Internal Server Error", request.path),
        None,
    )
    record.request = request
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Internal Server Error: <path>"
    assert FAMILY not in json.dumps(entry)
