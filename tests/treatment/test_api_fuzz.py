"""Arbitrary input at the treatment write operations never causes a server error: the
session is charted (once), or a 4xx with the documented error shape and nothing saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acucare.treatment.models import AdverseEvent, TreatmentSession
from tests.api.test_api_fuzz import FUZZ, anything, check, text
from tests.factories import signed_in
from tests.treatment.factories import episode_with_assessment, make_plan, session_document

pytestmark = pytest.mark.django_db

PATHS = [
    ("number",),
    ("date",),
    ("modality",),
    ("points",),
    ("points", 0),
    ("points", 0, "code"),
    ("points", 0, "side"),
    ("points", 0, "depth_mm"),
    ("points", 0, "depth_tissue"),
    ("points", 1, "de_qi"),
    ("needle",),
    ("needle", "gauge_mm"),
    ("needle", "lot"),
    ("electro_pairs",),
    ("needles_in",),
    ("needles_out",),
    ("needle_count_explanation",),
    ("co_interventions",),
    ("pain_before",),
    ("adverse_events",),
    ("adverse_events", 0, "seriousness"),
    ("adverse_events", 0, "duration_days"),
    ("adverse_events", 0, "needed_treatment"),
    ("notes",),
    ("unexpected",),
]
values = anything | text | st.integers(min_value=-(10**12), max_value=10**12)


def mutated(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    document = session_document()
    target: object = document
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return document


session_bodies = (
    st.builds(mutated, st.sampled_from(PATHS), values)
    | st.lists(
        st.tuples(st.sampled_from([p for p in PATHS if len(p) == 1]), values), max_size=3
    ).map(lambda changes: _apply(changes))
    | anything
)


def _apply(changes: list[Any]) -> dict[str, Any]:
    document = session_document()
    for (key,), value in changes:
        document[key] = value
    return document


@pytest.fixture
def approved():
    episode, _ = episode_with_assessment()
    return make_plan(episode, approve=True)


@FUZZ
@given(body=session_bodies)
def test_charting_sessions_never_fails_on_the_server(approved, body):
    client = signed_in(approved.episode.patient.primary_practitioner)
    before = TreatmentSession.objects.count(), AdverseEvent.objects.count()
    response = client.post(
        f"/api/v1/plans/{approved.public_id}/sessions",
        data=json.dumps(body),
        content_type="application/json",
    )
    check(response)
    if response.status_code == 422:
        assert isinstance(response.json()["error"]["field"], str)
    created = response.status_code == 201
    assert TreatmentSession.objects.count() == before[0] + created
    if not created:
        assert AdverseEvent.objects.count() == before[1]


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(
            [
                "number",
                "date",
                "needles_in",
                "needles_out",
                "pain_before",
                "needle_gauge_mm",
                "needle_length_mm",
                "point-0-code",
                "point-0-side",
                "point-0-depth_mm",
                "point-1-code",
                "pair-0-a_code",
                "pair-0-frequency_hz",
                "event-0-type_code",
                "event-0-needed_treatment",
                "co_kind",
                "submission",
            ]
        ),
        text,
        max_size=8,
    )
)
def test_the_session_form_never_fails_on_the_server(approved, form):
    client = signed_in(approved.episode.patient.primary_practitioner)
    before = TreatmentSession.objects.count()
    response = client.post(f"/treatment/plans/{approved.public_id}/sessions/new/", form)
    assert response.status_code in {302, 409, 422}, response.content[:300]
    assert TreatmentSession.objects.count() == before + (response.status_code == 302)
    live = client.post(f"/treatment/plans/{approved.public_id}/sessions/check/", form)
    assert live.status_code == 200


@FUZZ
@given(
    body=anything
    | st.fixed_dictionaries({"version": values}, optional={"add": anything, "remove": anything})
)
def test_editing_plans_never_fails_on_the_server(approved, body):
    client = signed_in(approved.episode.patient.primary_practitioner)
    response = client.patch(
        f"/api/v1/plans/{approved.public_id}",
        data=json.dumps(body),
        content_type="application/json",
    )
    check(response)
