"""A referral the GP has since cleared is recorded with who and when; the screening and
the next plan follow it, and the red-flag answers stay as given (issue 15, item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from acucare.assessments import services
from acucare.assessments.models import ReferralOutcome
from acucare.audit.models import AuditEvent
from acucare.domain import referrals
from acucare.domain.errors import InputError
from acucare.domain.intake import parse_intake
from acucare.domain.screening import screen
from acucare.kb.records.citations import Citation
from acucare.treatment import services as treatment
from tests.assessments.factories import URGENT_AND_REFER, make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner, signed_in

pytestmark = pytest.mark.django_db

REFER = {"red_flags": ["unexplained_weight_loss"]}


def outcome(rule="unexplained_weight_loss", cleared=True, **changes):
    values = {
        "rule": rule,
        "cleared": cleared,
        "clinician": "Dr A Patel, GP",
        "decided_on": timezone.localdate(),
        "note": "Bloods and X-ray normal.",
    }
    values.update(changes)
    return services.OutcomeInput(**values)


@pytest.fixture
def referred():
    doc = make_practitioner()
    episode = make_episode(make_patient(doc))
    assessment = make_assessment(episode, **REFER)
    assert assessment.decision == "refer_before_treatment"
    return doc, episode, assessment


# --- the rule, pure --------------------------------------------------------------------


def test_the_clearance_rule_cites_sources_in_the_bibliography(registry):
    for citation in referrals.CLEARANCE_CITATIONS:
        assert citation in registry.of(Citation)


def screening(*findings):
    return {"decision": "refer_before_treatment", "findings": list(findings), "referral": "routine"}


REFER_FINDING = {"rule": "unexplained_weight_loss", "level": "refer", "referral": "routine"}
URGENT_FINDING = {"rule": "cauda_equina", "level": "urgent", "referral": "emergency"}
WARN_FINDING = {"rule": "anticoagulant", "level": "warn", "referral": "none"}


def cleared(rule):
    return referrals.ReferralOutcome(rule, True, "Dr A", dt.date(2026, 1, 5))


def test_a_cleared_referral_becomes_a_note_and_the_decision_follows():
    followed = referrals.apply_referral_outcomes(
        screening(REFER_FINDING, WARN_FINDING), {"unexplained_weight_loss": cleared("x")}
    )
    assert followed["decision"] == "proceed_with_precautions"
    assert followed["referral"] == "none"
    note = followed["findings"][0]
    assert note["level"] == "note"
    assert note["referral_outcome"]["clinician"] == "Dr A"
    assert note["referral_outcome"]["rule"] == "referral_clearance@1"


def test_an_urgent_finding_is_never_cleared_fail_closed():
    followed = referrals.apply_referral_outcomes(
        screening(URGENT_FINDING), {"cauda_equina": cleared("cauda_equina")}
    )
    assert followed["decision"] == "refer_before_treatment"  # unchanged
    assert followed["findings"][0]["level"] == "urgent"


def test_not_cleared_keeps_the_referral():
    not_cleared = referrals.ReferralOutcome(
        "unexplained_weight_loss", False, "Dr A", dt.date(2026, 1, 5)
    )
    followed = referrals.apply_referral_outcomes(
        screening(REFER_FINDING), {"unexplained_weight_loss": not_cleared}
    )
    assert followed["findings"][0]["level"] == "refer"
    assert followed["decision"] == "refer_before_treatment"
    assert followed["findings"][0]["referral_outcome"]["outcome"] == "not_cleared"


def _referred_screening(registry, **answers):
    intake = parse_intake(
        {"format": "acucare.intake/1", "patient": {"age": 50, "sex": "female"},
         "conditions": [{"icd10": "M54.50", "duration_weeks": 20}], **answers},
        registry,
    )  # fmt: skip
    return screen(intake, registry)


@pytest.mark.parametrize("cleared_it", [True, False])
def test_the_typed_screening_follows_an_outcome_as_the_stored_document_does(registry, cleared_it):
    typed = _referred_screening(
        registry, red_flags=["unexplained_weight_loss"], medications=["warfarin"]
    )
    answer = referrals.ReferralOutcome(
        "unexplained_weight_loss", cleared_it, "Dr A", dt.date(2026, 1, 5)
    )
    outcomes = {"unexplained_weight_loss": answer}
    followed = referrals.follow_referral_outcomes(typed, outcomes).as_document()
    stored = referrals.apply_referral_outcomes(typed.as_document(), outcomes)
    # Only whether treatment can start is worked out again from the new decision.
    assert followed["treatment_can_start"] is cleared_it
    assert followed == stored | {"treatment_can_start": cleared_it}
    assert followed["rules_applied"][-1] == "referral_clearance@1"


def test_a_screening_with_no_clearable_finding_is_left_as_it_is(registry):
    typed = _referred_screening(registry, medications=["warfarin"])
    outcomes = {"unexplained_weight_loss": cleared("unexplained_weight_loss")}
    assert referrals.follow_referral_outcomes(typed, outcomes) is typed


# --- the service and the plan ------------------------------------------------------------


def test_a_cleared_referral_lets_the_next_plan_proceed_without_changing_the_answers(referred):
    doc, episode, assessment = referred
    before = treatment.plan_generate(actor=actor(doc), episode_id=episode.public_id)
    assert before.referral_required
    services.referral_outcome_record(
        actor=actor(doc), assessment_id=assessment.public_id, outcome=outcome()
    )
    after = treatment.plan_generate(actor=actor(doc), episode_id=episode.public_id)
    assert not after.referral_required
    assert after.document["acupuncture"] is not None
    assessment.refresh_from_db()
    assert assessment.intake_document["red_flags"] == ["unexplained_weight_loss"]
    assert assessment.decision == "refer_before_treatment"  # the stored screening is kept
    finding = after.document["screening"]["findings"][0]
    assert finding["referral_outcome"]["outcome"] == "cleared"
    # The plan's screening says treatment can start, as the plan itself does.
    assert after.document["screening"]["treatment_can_start"] is True
    assert "verhagen2016" in after.document["citations"]
    assert AuditEvent.objects.filter(object_type="referral_outcome", action="create").count() == 1


def test_not_cleared_then_cleared_the_latest_answer_counts(referred):
    doc, episode, assessment = referred
    services.referral_outcome_record(
        actor=actor(doc), assessment_id=assessment.public_id, outcome=outcome(cleared=False)
    )
    assert treatment.plan_generate(actor=actor(doc), episode_id=episode.public_id).referral_required
    services.referral_outcome_record(
        actor=actor(doc), assessment_id=assessment.public_id, outcome=outcome()
    )
    assert not treatment.plan_generate(
        actor=actor(doc), episode_id=episode.public_id
    ).referral_required
    assert ReferralOutcome.objects.count() == 2


def test_an_urgent_finding_is_refused_with_the_reason():
    doc = make_practitioner()
    assessment = make_assessment(make_episode(make_patient(doc)), **URGENT_AND_REFER)
    with pytest.raises(InputError) as caught:
        services.referral_outcome_record(
            actor=actor(doc), assessment_id=assessment.public_id, outcome=outcome("cauda_equina")
        )
    assert caught.value.field == "rule"
    assert "emergency" in caught.value.message
    assert not ReferralOutcome.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"clinician": "  "}, "clinician"),
        ({"decided_on": None}, "decided_on"),
        ({"decided_on": timezone.localdate() + dt.timedelta(days=1)}, "decided_on"),
        ({"decided_on": dt.date(1, 1, 1)}, "decided_on"),
        ({"cleared": None}, "cleared"),
        ({"rule": "not_a_finding"}, "rule"),
    ],
)
def test_bad_outcomes_name_the_field_and_save_nothing(referred, changes, field):
    doc, _episode, assessment = referred
    with pytest.raises(InputError) as caught:
        services.referral_outcome_record(
            actor=actor(doc), assessment_id=assessment.public_id, outcome=outcome(**changes)
        )
    assert caught.value.field == field
    assert not ReferralOutcome.objects.exists()


# --- the page --------------------------------------------------------------------------


def test_the_screening_page_records_the_answer_and_shows_it(referred):
    doc, _episode, assessment = referred
    client = signed_in(doc)
    page = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert "Record the answer to this referral" in page
    response = client.post(
        f"/assessments/{assessment.public_id}/referral-outcome/",
        {
            "rule": "unexplained_weight_loss",
            "outcome": "cleared",
            "clinician": "Dr A Patel, GP",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/assessments/{assessment.public_id}/").content.decode()
    assert "cleared for treatment</strong> by Dr A Patel, GP" in page
    assert "Refer before treatment" not in page.split("</h1>")[0]


def test_the_page_shows_every_missing_field_at_once(referred):
    doc, _episode, assessment = referred
    response = signed_in(doc).post(
        f"/assessments/{assessment.public_id}/referral-outcome/",
        {"rule": "unexplained_weight_loss"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="error"') >= 3
    assert not ReferralOutcome.objects.exists()


def test_after_clearance_the_plan_is_approved_and_a_session_charted(referred):
    """The session check screens the intake again: it follows the clearance too."""
    from tests.treatment.factories import session_document

    doc, episode, assessment = referred
    who = actor(doc)
    services.finding_acknowledge(
        actor=who,
        assessment_id=assessment.public_id,
        rule="unexplained_weight_loss",
        note="Referred to the GP.",
    )
    services.referral_outcome_record(
        actor=who, assessment_id=assessment.public_id, outcome=outcome()
    )
    plan = treatment.plan_generate(actor=who, episode_id=episode.public_id)
    plan = treatment.plan_approve(actor=who, plan_id=plan.public_id, version=plan.version)
    session = treatment.session_create(
        actor=who, plan_id=plan.public_id, record=session_document(adverse_events=[])
    )
    assert session.number == 1
