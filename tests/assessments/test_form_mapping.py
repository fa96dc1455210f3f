"""Property: whatever a practitioner ticks on the intake form, the stored intake document
says exactly that (and the clinical core accepts it)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acucare.assessments.models import Assessment
from acucare.domain.intake import body_sites
from acucare.kb import registry
from acucare.kb.vocabulary import HISTORY_FLAGS, LIMBS_AT_RISK, MODALITIES, RED_FLAGS
from tests.assessments.factories import form_data
from tests.factories import make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

SITES = body_sites(registry())


def subset(values):
    return st.lists(st.sampled_from(values), unique=True, max_size=5).map(
        lambda chosen: [v for v in values if v in chosen]  # the form keeps its own order
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    history=subset(HISTORY_FLAGS),
    pain=subset(SITES),
    lesions=subset(SITES),
    limbs=subset(LIMBS_AT_RISK),
    declined=subset(MODALITIES),
    flags=subset(RED_FLAGS),
    style=st.sampled_from(["", "tcm", "western"]),
    consent=st.sampled_from(["", "patient", "parent_or_guardian", "legal_representative"]),
    phq4=st.lists(st.sampled_from(["", "0", "1", "2", "3"]), min_size=4, max_size=4),
    age=st.integers(min_value=0, max_value=120),
)
def test_the_document_says_what_was_ticked(
    history, pain, lesions, limbs, declined, flags, style, consent, phq4, age
):
    episode = make_episode(make_patient(make_practitioner()))
    data = form_data(
        episode,
        age=str(age),
        history=history,
        pain_sites=pain,
        skin_lesion_sites=lesions,
        limbs_at_risk=limbs,
        declined_modalities=declined,
        style=style,
        consent_given_by=consent,
        **{f"rf_{flag}": "yes" for flag in flags},
        **{f"q_phq9_{i}": "" for i in range(1, 10)},
        **{f"q_phq4_{i}": code for i, code in enumerate(phq4, 1)},
    )
    response = signed_in(episode.patient.primary_practitioner).post(
        f"/assessments/episodes/{episode.public_id}/intake/", data
    )
    assert response.status_code == 302, response.context["form"].errors
    document = Assessment.objects.get(episode=episode).intake_document
    assert document["patient"]["age"] == age
    assert document["history"] == history
    assert document["pain_sites"] == pain
    assert document["skin_lesion_sites"] == lesions
    assert document["limbs_at_risk"] == limbs
    assert document["red_flags"] == flags
    assert document["preferences"] == {"style": style or None, "declined_modalities": declined}
    assert document["consent"] == {"given_by": consent or None}
    answered = {str(i): int(code) for i, code in enumerate(phq4, 1) if code}
    assert document["questionnaires"] == ({"phq4": answered} if answered else {})
