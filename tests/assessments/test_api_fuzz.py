"""Arbitrary JSON at the assessment write operations never causes a server error: the
answer is created, or a 4xx with the documented error shape, and a rejected request
saves nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.assessments.models import Assessment, FindingAcknowledgement
from tests.api.test_api_fuzz import AWKWARD, anything, check, scalars, text
from tests.assessments.factories import URGENT_AND_REFER, intake, make_assessment
from tests.factories import make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

words = st.sampled_from(
    ["lower_back", "left_knee", "diabetes", "pacemaker_or_icd", "saddle_anaesthesia", "left_arm"]
)
# Valid intakes with one part replaced by something arbitrary, or anything at all.
intake_bodies = (
    st.builds(
        lambda key, value: intake(**{key: value}),
        st.sampled_from(
            [
                "patient",
                "pregnancy",
                "conditions",
                "pain_sites",
                "medications",
                "history",
                "limbs_at_risk",
                "skin_lesion_sites",
                "red_flags",
                "questionnaires",
                "preferences",
                "consent",
                "format",
                "surprise",
            ]
        ),
        anything | st.lists(words | text, max_size=4) | st.sampled_from(AWKWARD),
    )
    | st.builds(
        lambda answers: intake(questionnaires={"phq9": answers}),
        st.dictionaries(st.sampled_from([str(i) for i in range(0, 11)]) | text, scalars),
    )
    | anything
)


@FUZZ
@given(body=intake_bodies)
def test_saving_intakes_never_fails_on_the_server(body):
    episode = make_episode(make_patient(make_practitioner()))
    response = signed_in(episode.patient.primary_practitioner).post(
        f"/api/v1/episodes/{episode.public_id}/assessments",
        data=json.dumps(body),
        content_type="application/json",
    )
    check(response)
    created = 1 if response.status_code == 201 else 0
    assert Assessment.objects.filter(episode=episode).count() == created


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "rule": st.sampled_from(["cauda_equina", "unexplained_weight_loss"]) | text | scalars,
            "note": text | scalars,
        },
    )
    | anything
)
def test_acknowledging_never_fails_on_the_server(body):
    episode = make_episode(make_patient(make_practitioner()))
    assessment = make_assessment(episode, **URGENT_AND_REFER)
    response = signed_in(episode.patient.primary_practitioner).post(
        f"/api/v1/assessments/{assessment.public_id}/acknowledgements",
        data=json.dumps(body),
        content_type="application/json",
    )
    check(response)
    created = 1 if response.status_code == 201 else 0
    assert FindingAcknowledgement.objects.filter(assessment=assessment).count() == created
