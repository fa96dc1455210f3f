"""Saving an intake screens it; acknowledgements clear urgent and refer findings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from acucare.assessments import selectors, services
from acucare.assessments.models import Assessment, FindingAcknowledgement
from acucare.audit.models import AuditEvent
from acucare.domain.errors import ConflictError, InputError
from acucare.kb import registry
from tests.assessments.factories import URGENT_AND_REFER, intake, make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner, share

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return make_episode(make_patient(make_practitioner()))


def owner(episode):
    return actor(episode.patient.primary_practitioner)


def test_saving_an_intake_stores_the_screening_with_kb_version_and_rule_ids(episode):
    assessment = make_assessment(episode, history=["needle_phobia"], medications=["warfarin"])
    assert assessment.kb_version == registry().version
    assert assessment.screening_document["kb_version"] == registry().version
    assert assessment.decision == "proceed_with_precautions"
    assert "vasovagal_risk@1" in assessment.rules_applied
    assert "anticoagulant_vitamin_k_antagonist@2" in assessment.rules_applied
    assert assessment.rules_applied == assessment.screening_document["rules_applied"]
    assert assessment.intake_document["format"] == "acucare.intake/1"
    assert assessment.intake_document["medications"] == ["warfarin"]
    finding = assessment.findings[0]
    assert finding["rationale"]  # the rule's rationale travels with the stored finding
    event = AuditEvent.objects.get(object_type="assessment", action="create")
    assert event.object_id == assessment.public_id
    assert event.patient_id == episode.patient.public_id
    assert event.detail["rules_applied"] == assessment.rules_applied


def test_invalid_intake_saves_nothing_and_names_the_field(episode):
    bad = intake(history=["diabetes", "gills"])
    with pytest.raises(InputError) as caught:
        services.assessment_create(
            actor=owner(episode), episode_id=episode.public_id, intake_document=bad
        )
    assert caught.value.field == "history[1]"
    assert caught.value.allowed is not None
    assert "diabetes" in caught.value.allowed
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="assessment").exists()


def test_control_characters_in_medications_are_refused_by_field(episode):
    with pytest.raises(InputError) as caught:
        make_assessment(episode, medications=["ibuprofen", "war\x00farin"])
    assert caught.value.field == "medications[1]"


def test_a_new_intake_supersedes_the_previous_one_without_changing_it(episode):
    first = make_assessment(episode, red_flags=["saddle_anaesthesia"])
    second = make_assessment(episode)
    first.refresh_from_db()
    assert first.superseded_at is not None
    assert first.superseded_by == second
    assert first.decision == "urgent_referral"  # history kept as screened
    assert first.intake_document["red_flags"] == ["saddle_anaesthesia"]
    assert second.superseded_at is None
    assert selectors.current_assessment(actor=owner(episode), episode=episode) == second
    assert episode.assessments.count() == 2


def test_a_stale_form_is_refused_instead_of_replacing_a_newer_intake(episode):
    first = make_assessment(episode)
    make_assessment(episode)
    with pytest.raises(ConflictError):
        services.assessment_create(
            actor=owner(episode),
            episode_id=episode.public_id,
            intake_document=intake(),
            based_on=first.public_id,
            check_based_on=True,
        )
    assert episode.assessments.count() == 2


def test_double_submission_creates_one_assessment(episode):
    from acucare.core.once import DuplicateSubmission

    key = uuid.uuid4()
    first = services.assessment_create(
        actor=owner(episode), episode_id=episode.public_id, intake_document=intake(), submission=key
    )
    with pytest.raises(DuplicateSubmission) as caught:
        services.assessment_create(
            actor=owner(episode),
            episode_id=episode.public_id,
            intake_document=intake(),
            submission=key,
        )
    assert caught.value.object_id == first.public_id
    assert episode.assessments.count() == 1


def test_urgent_and_refer_findings_need_an_acknowledgement_each(episode):
    assessment = make_assessment(episode, **URGENT_AND_REFER, history=["needle_phobia"])
    due = selectors.unacknowledged_findings(assessment=assessment)
    assert [f["rule"] for f in due] == ["cauda_equina", "unexplained_weight_loss"]
    services.finding_acknowledge(
        actor=owner(episode),
        assessment_id=assessment.public_id,
        rule="cauda_equina",
        note="Sent to the emergency department at 10:40; letter given.",
    )
    assert [f["rule"] for f in selectors.unacknowledged_findings(assessment=assessment)] == [
        "unexplained_weight_loss"
    ]
    services.finding_acknowledge(
        actor=owner(episode),
        assessment_id=assessment.public_id,
        rule="unexplained_weight_loss",
        note="Letter to the GP.",
    )
    assert selectors.unacknowledged_findings(assessment=assessment) == []
    ack = FindingAcknowledgement.objects.get(rule="cauda_equina")
    assert ack.created_by == episode.patient.primary_practitioner
    assert ack.level == "urgent"
    events = AuditEvent.objects.filter(object_type="finding_acknowledgement", action="create")
    assert events.count() == 2


@pytest.mark.parametrize(
    ("rule", "note", "field"),
    [
        ("vasovagal_risk", "seen", "rule"),  # a warning needs no acknowledgement
        ("no_such_rule", "seen", "rule"),
        ("cauda_equina", "   ", "note"),
    ],
)
def test_acknowledgement_refusals(episode, rule, note, field):
    assessment = make_assessment(episode, **URGENT_AND_REFER, history=["needle_phobia"])
    with pytest.raises(InputError) as caught:
        services.finding_acknowledge(
            actor=owner(episode), assessment_id=assessment.public_id, rule=rule, note=note
        )
    assert caught.value.field == field
    assert not FindingAcknowledgement.objects.exists()


def test_a_finding_is_acknowledged_once(episode):
    assessment = make_assessment(episode, **URGENT_AND_REFER)
    kwargs: dict[str, Any] = {
        "assessment_id": assessment.public_id,
        "rule": "cauda_equina",
        "note": "Sent to A&E.",
    }
    services.finding_acknowledge(actor=owner(episode), **kwargs)
    with pytest.raises(InputError, match="already"):
        services.finding_acknowledge(actor=owner(episode), **kwargs)


def test_a_superseded_assessment_is_not_acknowledged(episode):
    old = make_assessment(episode, **URGENT_AND_REFER)
    make_assessment(episode)
    with pytest.raises(InputError) as caught:
        services.finding_acknowledge(
            actor=owner(episode), assessment_id=old.public_id, rule="cauda_equina", note="x"
        )
    assert caught.value.field == "assessment"


def test_current_assessment_checks_access_and_is_audited(episode):
    from django.http import Http404

    assessment = make_assessment(episode)
    colleague = make_practitioner()
    with pytest.raises(Http404):
        selectors.current_assessment(actor=actor(colleague), episode=episode)
    share(episode.patient, colleague)
    assert selectors.current_assessment(actor=actor(colleague), episode=episode) == assessment
    event = AuditEvent.objects.filter(object_type="assessment", action="read").get()
    assert event.actor == colleague
    assert event.object_id == assessment.public_id


def test_no_current_assessment_before_the_first_intake(episode):
    assert selectors.current_assessment(actor=owner(episode), episode=episode) is None
