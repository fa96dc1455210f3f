"""Every role × every outcome page → the expected status, as in the project's access
matrix (tests/patients/test_access_matrix.py): a stranger gets 404 (existence is not
revealed), reception and the admin 403, anonymous the sign-in page; a refused request
changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from acucare.outcomes.models import CourseReview, Discharge, Measurement, MeasurementSchedule
from tests.factories import make_admin, make_practitioner, make_reception, share, signed_in
from tests.outcomes.factories import make_course, record

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "admin", "owner", "shared", "stranger", "reception")
CLINICAL = {"admin": 403, "owner": "ok", "shared": "ok", "stranger": 404, "reception": 403}

MEASURE = {"m-q_peg_1": "3", "m-q_peg_2": "3", "m-q_peg_3": "3", "m-pgic": "2"}
REVIEW = {"decision": "continue", "reason": "Improving."}
DISCHARGE = {"reason": "goals_met", "advice": "Keep walking."}
SCHEDULE = {
    "version": "0",
    "each_session": ["nrs"],
    "reviews": "4, 8",
    "review_instruments": ["peg", "phq9", "pgic"],
    "discharge_instruments": ["peg", "phq9", "pgic"],
    "followup_days": "91, 365",
    "payer": "medicare",
}

MEASURE_JSON = {"kind": "review", "scores": {"peg": {"1": 3, "2": 3, "3": 3}}, "pgic": 2}
DISCHARGE_JSON = {"reason": "goals_met", "advice": "Keep walking."}

PAGE, API = "page", "api"  # the row kinds of tests/patients/test_access_matrix.py


def _row(
    kind: str, method: str, path: str, body: dict[str, Any] | None
) -> tuple[str, str, str, dict[str, Any] | None, dict[str, Any]]:
    return (kind, method, path, body, CLINICAL)


# (kind, method, path, body, expected by actor): the shape of the project's matrix, so
# that tests/test_access_matrix_complete.py finds every outcome route here.
OUTCOMES_MATRIX = [
    _row(PAGE, "get", "/outcomes/episodes/{episode}/", None),
    _row(PAGE, "get", "/outcomes/episodes/{episode}/measurements/review/", None),
    _row(PAGE, "post", "/outcomes/episodes/{episode}/measurements/review/", MEASURE),
    _row(PAGE, "get", "/outcomes/episodes/{episode}/review/", None),
    _row(PAGE, "post", "/outcomes/episodes/{episode}/review/", REVIEW),
    _row(PAGE, "get", "/outcomes/episodes/{episode}/discharge/", None),
    _row(PAGE, "post", "/outcomes/episodes/{episode}/discharge/", DISCHARGE),
    _row(PAGE, "get", "/outcomes/plans/{plan}/schedule/", None),
    _row(PAGE, "post", "/outcomes/plans/{plan}/schedule/", SCHEDULE),
    _row(API, "get", "/api/v1/episodes/{episode}/outcomes", None),
    _row(API, "post", "/api/v1/episodes/{episode}/measurements", MEASURE_JSON),
    _row(API, "post", "/api/v1/episodes/{episode}/reviews", REVIEW),
    _row(API, "post", "/api/v1/episodes/{episode}/discharge", DISCHARGE_JSON),
]


def _counts() -> tuple[int, ...]:
    return (
        Measurement.objects.count(),
        CourseReview.objects.count(),
        Discharge.objects.count(),
        MeasurementSchedule.objects.count(),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "expected_by"),
    OUTCOMES_MATRIX,
    ids=[f"{m}-{p}" for _k, m, p, _b, _e in OUTCOMES_MATRIX],
)
def test_outcomes_access(actor, kind, method, path, body, expected_by):
    owner = make_practitioner()
    users = {
        "admin": make_admin(),
        "owner": owner,
        "shared": make_practitioner(),
        "stranger": make_practitioner(),
        "reception": make_reception(),
    }
    world = make_course(owner)
    share(world.episode.patient, users["shared"])
    record(world, "review", pgic=2)
    before = _counts()
    client = Client() if actor == "anonymous" else signed_in(users[actor])
    url = path.format(episode=world.episode.public_id, plan=world.plan.public_id)
    api = kind == API
    if api and body:
        response = getattr(client, method)(
            url, data=json.dumps(body), content_type="application/json"
        )
    else:
        response = getattr(client, method)(url, body) if body else getattr(client, method)(url)
    expected = expected_by.get(actor, "login")
    if expected == "ok":
        assert response.status_code in {200, 201, 302}, response.content.decode()[:1500]
        if response.status_code == 302:
            assert not response["Location"].startswith("/sign-in/")
        if method == "post":
            assert _counts() != before
    elif expected == "login" and api:
        assert response.status_code == 401
        assert _counts() == before
    elif expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
        assert _counts() == before
    else:
        assert response.status_code == expected
        assert _counts() == before


@pytest.mark.parametrize(
    "path",
    [
        "/outcomes/episodes/{id}/",
        "/outcomes/episodes/{id}/review/",
        "/outcomes/episodes/{id}/discharge/",
        "/outcomes/episodes/{id}/measurements/baseline/",
        "/outcomes/plans/{id}/schedule/",
        "/api/v1/episodes/{id}/outcomes",
    ],
)
def test_an_unknown_id_is_404(path):
    response = signed_in(make_practitioner()).get(path.format(id=uuid.uuid4()))
    assert response.status_code == 404


def test_an_unknown_timepoint_is_404():
    world = make_course()
    client = signed_in(world.practitioner)
    response = client.get(f"/outcomes/episodes/{world.episode.public_id}/measurements/session/")
    assert response.status_code == 404
