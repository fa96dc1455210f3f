"""The outcomes API: the course and the engine's review as JSON, writes refused with the
one input-error document, and a repeated Idempotency-Key answered with the first result."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.factories import signed_in
from tests.outcomes.factories import make_course

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_the_outcomes_of_an_episode():
    world = make_course()
    client = signed_in(world.practitioner)
    base = f"/api/v1/episodes/{world.episode.public_id}"
    key = str(uuid.uuid4())
    body = {"kind": "review", "scores": {"peg": {"1": 3, "2": 3, "3": 3}}, "pgic": 2}
    first = post(client, f"{base}/measurements", body, HTTP_IDEMPOTENCY_KEY=key)
    again = post(client, f"{base}/measurements", body, HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["public_id"] == again.json()["public_id"]
    data = client.get(f"{base}/outcomes").json()
    assert data["sessions_delivered"] == 6
    assert data["course"]["format"] == "acucare.course/1"
    assert data["review"]["format"] == "acucare.review/1"
    assert [m["kind"] for m in data["measurements"]] == ["review"]
    review = post(client, f"{base}/reviews", {"decision": "continue", "reason": "Better."})
    assert review.status_code == 201
    assert review.json()["review"]["format"] == "acucare.review/1"
    done = post(client, f"{base}/discharge", {"reason": "goals_met", "advice": "Walk daily."})
    assert done.status_code == 201
    assert done.json()["followups"]
    assert client.get(f"{base}/outcomes").json()["discharged"] is True


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("measurements", {"kind": "review", "scores": {"peg": {"1": 12}}}, "scores.peg.1"),
        ("measurements", {"kind": "session", "scores": {}}, "kind"),
        ("reviews", {"decision": "maybe", "reason": "x"}, "decision"),
        ("discharge", {"reason": "bored", "advice": "x"}, "reason"),
    ],
)
def test_bad_input_names_the_field(path, body, field):
    world = make_course(pains=((6, 4),))
    client = signed_in(world.practitioner)
    response = post(client, f"/api/v1/episodes/{world.episode.public_id}/{path}", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
