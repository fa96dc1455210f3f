"""Writes: saving an intake (which screens it), acknowledging a finding and recording a
referral's outcome. Each service
is atomic, keyword-only, takes the acting user, reaches the patient through
`acucare.patients.access`, and appends exactly one audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from acucare.accounts import submissions
from acucare.assessments.access import access_assessment
from acucare.assessments.models import (
    ACKNOWLEDGED_LEVELS,
    Assessment,
    FindingAcknowledgement,
    ReferralOutcome,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain import referrals
from acucare.domain.dates import clinic_date
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.intake import parse_intake
from acucare.domain.screening import screen
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.kb.records.safety_rules import SafetyRule
from acucare.patients.access import access_episode
from acucare.patients.models import Episode

NOTE_MAX_LENGTH = 2000


def _refuse_control_characters(value: object, path: str) -> None:
    """Free text inside the intake (medication names) is stored as JSON; PostgreSQL
    refuses NUL there, and control characters only arrive by accident or malice."""
    if isinstance(value, str):
        plain_text(value, path or "intake", max_length=len(value) + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control_characters(str(key), path or "intake")
            _refuse_control_characters(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_control_characters(item, f"{path}[{index}]")


def _screening_with_rationales(document: dict[str, Any]) -> dict[str, Any]:
    """The screening document with each finding's rule rationale added, so that a stored
    screening still explains itself after the knowledge base changes."""
    rules = registry().of(SafetyRule)
    findings = []
    for finding in document["findings"]:
        rule = rules.get(finding["rule"])
        findings.append({**finding, "rationale": rule.rationale if rule is not None else ""})
    return {**document, "findings": findings}


@transaction.atomic
def assessment_create(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    intake_document: object,
    based_on: uuid.UUID | None = None,
    check_based_on: bool = False,
    submission: uuid.UUID | None = None,
) -> Assessment:
    """Validate and screen an intake and store it as the episode's current assessment;
    the previous one (if any) is superseded, never changed.

    `based_on` is the current assessment the form was opened with (None: there was
    none). With `check_based_on`, an intake saved while someone else saved a newer one
    is refused (ConflictError) rather than silently replacing theirs."""
    found = access_episode(actor, episode_id, write=True)
    # Lock the episode: saves of intakes for one episode happen one after another.
    episode = Episode.objects.select_for_update().select_related("patient").get(pk=found.pk)
    claimed = submissions.claim(actor=actor, key=submission, object_type="assessment")
    _refuse_control_characters(intake_document, "")
    kb = registry()
    intake = parse_intake(intake_document, kb)
    screening = screen(intake, kb)
    previous = Assessment.objects.filter(episode=episode, superseded_at__isnull=True).first()
    if check_based_on and (previous.public_id if previous else None) != based_on:
        raise ConflictError(
            "Someone saved a newer intake for this episode after you opened the form. "
            "Open the intake again to see it, then make your changes."
        )
    now = timezone.now()
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    document = _screening_with_rationales(screening.as_document())
    assessment = Assessment.objects.create(
        episode=episode,
        intake_document=intake.as_document(),
        screening_document=document,
        kb_version=screening.kb_version,
        decision=screening.decision,
        rules_applied=list(screening.rules_applied),
        created_at=now,
        created_by=actor.user,
    )
    if previous is not None:
        previous.superseded_by = assessment
        previous.save(update_fields=["superseded_by"])
    submissions.created(
        claimed,
        actor=actor,
        object_type="assessment",
        object_id=assessment.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "decision": assessment.decision,
            "rules_applied": assessment.rules_applied,
            "kb_version": assessment.kb_version,
            "supersedes": str(previous.public_id) if previous is not None else None,
        },
    )
    return assessment


@transaction.atomic
def finding_acknowledge(
    *, actor: Actor, assessment_id: uuid.UUID | str, rule: str, note: str
) -> FindingAcknowledgement:
    """Record that the practitioner has acted on an `urgent` or `refer` finding."""
    assessment = access_assessment(actor, assessment_id, write=True)
    if not assessment.is_current:
        raise InputError(
            "assessment",
            "A newer intake has superseded this assessment; acknowledge its findings instead.",
        )
    due = {str(f["rule"]): f for f in assessment.findings if f.get("level") in ACKNOWLEDGED_LEVELS}
    finding = due.get(rule)
    if finding is None:
        raise InputError(
            "rule",
            f"{rule!r} is not an urgent or refer finding of this assessment.",
            sorted(due),
        )
    note = plain_text(note, "note", max_length=NOTE_MAX_LENGTH, multiline=True)
    if not note:
        raise InputError(
            "note",
            "Write what you did about this finding (for example, who you referred the "
            "patient to, and when).",
        )
    try:
        with transaction.atomic():
            acknowledgement = FindingAcknowledgement.objects.create(
                assessment=assessment,
                rule=rule,
                rule_version=int(str(finding.get("version", 0))),
                level=str(finding["level"]),
                note=note,
                created_by=actor.user,
            )
    except IntegrityError as exc:
        raise InputError("rule", "This finding has already been acknowledged.") from exc
    audit_record(
        actor=actor,
        action="create",
        object_type="finding_acknowledgement",
        object_id=acknowledgement.public_id,
        patient_id=assessment.episode.patient.public_id,
        detail={
            "assessment": str(assessment.public_id),
            "rule": rule,
            "level": acknowledgement.level,
        },
    )
    return acknowledgement


@dataclass(frozen=True)
class OutcomeInput:
    rule: str
    cleared: bool | None
    clinician: str
    decided_on: dt.date | None
    note: str = ""


@transaction.atomic
def referral_outcome_record(
    *, actor: Actor, assessment_id: uuid.UUID | str, outcome: OutcomeInput
) -> ReferralOutcome:
    """Record the answer to the referral a `refer` finding asked for
    (`acucare.domain.referrals`, rule referral_clearance@1). The intake's answers are
    not touched; the screening shown and every plan generated afterwards follow it."""
    assessment = access_assessment(actor, assessment_id, write=True)
    if not assessment.is_current:
        raise InputError(
            "assessment",
            "A newer intake has superseded this assessment; record the outcome on it instead.",
        )
    findings = {str(f["rule"]): f for f in assessment.findings}
    finding = findings.get(outcome.rule)
    clearable = sorted(
        rule for rule, f in findings.items() if f.get("level") in referrals.CLEARABLE_LEVELS
    )
    if finding is not None and finding.get("level") == "urgent":
        raise InputError(
            "rule",
            "An urgent finding is an emergency and cannot be cleared here: once it has been "
            "dealt with, record a new intake of the patient as they are now.",
            clearable,
        )
    if finding is None or finding.get("level") not in referrals.CLEARABLE_LEVELS:
        raise InputError(
            "rule", f"{outcome.rule!r} is not a referral finding of this assessment.", clearable
        )
    if outcome.cleared is None:
        raise InputError(
            "cleared",
            "Say whether the doctor cleared the patient for treatment.",
            ["cleared", "not_cleared"],
        )
    clinician = plain_text(outcome.clinician, "clinician", max_length=200)
    if not clinician:
        raise InputError(
            "clinician", "Name the clinician who assessed the patient, e.g. “Dr A Patel, GP”."
        )
    if outcome.decided_on is None:
        raise InputError("decided_on", "Give the date of the clinician's decision.")
    decided_on = clinic_date(outcome.decided_on, "decided_on")
    if decided_on > timezone.localdate():
        raise InputError("decided_on", "The decision cannot be dated in the future.")
    note = plain_text(outcome.note, "note", max_length=NOTE_MAX_LENGTH, multiline=True)
    row = ReferralOutcome.objects.create(
        assessment=assessment,
        rule=outcome.rule,
        rule_version=int(str(finding.get("version", 0))),
        cleared=outcome.cleared,
        clinician=clinician,
        decided_on=decided_on,
        note=note,
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="referral_outcome",
        object_id=row.public_id,
        patient_id=assessment.episode.patient.public_id,
        detail={
            "assessment": str(assessment.public_id),
            "rule": outcome.rule,
            "cleared": outcome.cleared,
            "clearance_rule": f"{referrals.CLEARANCE_RULE}@{referrals.CLEARANCE_VERSION}",
        },
    )
    return row


__all__ = ["OutcomeInput", "assessment_create", "finding_acknowledge", "referral_outcome_record"]
