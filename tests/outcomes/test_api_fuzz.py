"""Arbitrary JSON at the outcome writes never causes a server error: the answer is created,
or a 4xx with the documented error shape, and a rejected request saves nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.outcomes.models import CourseReview, Discharge, Measurement
from tests.api.test_api_fuzz import anything, check, scalars, text
from tests.factories import signed_in
from tests.outcomes.factories import make_course

pytestmark = pytest.mark.django_db

answers = st.dictionaries(
    st.sampled_from(["1", "2", "3", "4", "x"]) | text, st.integers() | scalars
)
measurement_bodies = (
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["baseline", "review", "discharge", "followup"]) | text},
        optional={
            "scores": st.dictionaries(
                st.sampled_from(["peg", "phq9", "nrs", "pgic"]) | text, answers
            )
            | anything,
            "pgic": st.integers() | scalars,
            "medications": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": text,
                        "dose_mg": st.floats() | scalars,
                        "doses_per_day": st.floats() | scalars,
                    }
                )
                | anything,
                max_size=3,
            ),
            "date": st.dates().map(str) | text,
        },
    )
    | anything
)
decision_bodies = (
    st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["continue", "stop", "change_plan"]) | text,
            "reason": text | scalars,
        }
    )
    | anything
)
discharge_bodies = (
    st.fixed_dictionaries(
        {"reason": st.sampled_from(["goals_met", "referred"]) | text, "advice": text | scalars},
        optional={"date": st.dates().map(str) | text},
    )
    | anything
)

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def post(world, path, body):
    return signed_in(world.practitioner).post(
        f"/api/v1/episodes/{world.episode.public_id}/{path}",
        data=json.dumps(body),
        content_type="application/json",
    )


@FUZZ
@given(body=measurement_bodies)
def test_recording_measurements_never_fails_on_the_server(body):
    world = make_course(pains=((6, 4),))
    response = post(world, "measurements", body)
    check(response)
    assert Measurement.objects.filter(episode=world.episode).count() == (
        1 if response.status_code == 201 else 0
    )


@FUZZ
@given(review=decision_bodies, discharge=discharge_bodies)
def test_reviews_and_discharges_never_fail_on_the_server(review, discharge):
    world = make_course(pains=((6, 4),))
    response = post(world, "reviews", review)
    check(response)
    assert CourseReview.objects.filter(episode=world.episode).count() == (
        1 if response.status_code == 201 else 0
    )
    response = post(world, "discharge", discharge)
    check(response)
    assert Discharge.objects.filter(episode=world.episode).count() == (
        1 if response.status_code == 201 else 0
    )
