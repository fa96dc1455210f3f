"""Writes to treatment sessions: chart, sign, amend. Each service is atomic, keyword-only,
takes the acting user, reaches records through `acucare.treatment.access`, and appends one
audit event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from acucare.accounts import submissions
from acucare.accounts.models import Role
from acucare.accounts.selectors import signing_refusal
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.patients.models import Patient
from acucare.treatment.access import access_session, lock_plan
from acucare.treatment.charting import (
    AdverseEventRecord,
    SessionRecord,
    parse_adverse_event,
    parse_session_record,
)
from acucare.treatment.checks import (
    blocked_field,
    blocking_messages,
    run_session_check,
)
from acucare.treatment.counts import recount_signed_sessions
from acucare.treatment.models import (
    AdverseEvent,
    PlanStatus,
    SessionAmendment,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)
from acucare.treatment.reported_pain import ReportedPain
from acucare.treatment.services._shared import assessment_for, current_intake, require_open


def _refuse_control_characters(value: object, path: str) -> None:
    """Every text of a charted session as plain text (PostgreSQL refuses NUL in text)."""
    if isinstance(value, str):
        plain_text(value, path or "body", max_length=5000, multiline=True)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control_characters(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_control_characters(item, f"{path}[{index}]")


def _next_number(plan: TreatmentPlan) -> int:
    return int(plan.sessions.aggregate(last=Max("number"))["last"] or 0) + 1


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    plan_id: uuid.UUID | str,
    record: Mapping[str, Any] | SessionRecord,
    submission: uuid.UUID | None = None,
    reported: ReportedPain | None = None,
) -> TreatmentSession:
    """Chart a session against an approved plan. Refused whole (nothing saved) when any
    field is invalid or the session check blocks anything in it. `reported` is the pain
    the patient reported before it (the form was pre-filled from it), stored beside the
    pain-before the practitioner saved, so the record says whether they kept it."""
    plan_row = lock_plan(actor, plan_id)
    claimed = submissions.claim(actor=actor, key=submission, object_type="treatment_session")
    require_open(plan_row.episode)
    if plan_row.status != PlanStatus.APPROVED:
        raise InputError(
            "plan", "Sessions are charted against an approved plan; approve the plan first."
        )
    charted = record if isinstance(record, SessionRecord) else parse_session_record(record)
    _refuse_control_characters(charted.model_dump(mode="json"), "")
    notes = plain_text(charted.notes, "notes", max_length=5000, multiline=True)
    explanation = plain_text(
        charted.needle_count_explanation,
        "needle_count_explanation",
        max_length=2000,
        multiline=True,
    )
    number = charted.number or _next_number(plan_row)
    # A number the practitioner gave may be taken; the next one after the last is not.
    if charted.number and plan_row.sessions.filter(number=number).exists():
        raise InputError(
            "number",
            f"Session {number} of this plan is already charted.",
            {"min": _next_number(plan_row)},
        )
    today = timezone.localdate()
    date = charted.date or today
    if date > today:
        raise InputError("date", "A session cannot be charted for a future date.")
    if date < plan_row.episode.started_on:
        raise InputError("date", "The session is dated before the episode started.")
    intake = current_intake(assessment_for(actor, plan_row.episode))
    check = run_session_check(intake=intake, record=charted)
    if not check.allowed:
        raise InputError(
            blocked_field(check, charted),
            "The safety check blocks this session: " + " ".join(blocking_messages(check)),
        )
    modality = "electroacupuncture" if charted.electro_pairs else charted.modality
    data = charted.model_dump(mode="json")
    now = timezone.now()
    session = TreatmentSession.objects.create(
        plan=plan_row,
        number=number,
        date=date,
        modality=modality,
        points=data["points"],
        needle=data["needle"],
        electro_pairs=data["electro_pairs"],
        retention_minutes=charted.retention_minutes,
        needles_in=charted.needles_in,
        needles_out=charted.needles_out,
        needle_count_explanation=explanation,
        # A cupping kind is stored only when one was recorded (the other kinds have none).
        co_interventions=[
            co.model_dump(mode="json", exclude_none=True) for co in charted.co_interventions
        ],
        pain_before=charted.pain_before,
        pain_after=charted.pain_after,
        pain_before_reported=reported.pain if reported is not None else None,
        pain_before_reported_at=reported.reported_at if reported is not None else None,
        notes=notes,
        check_document=check.as_document(),
        kb_version=registry().version,
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    AdverseEvent.objects.bulk_create(
        AdverseEvent(session=session, created_by=actor.user, created_at=now, **event.model_dump())
        for event in charted.adverse_events
    )
    submissions.created(
        claimed,
        actor=actor,
        object_type="treatment_session",
        object_id=session.public_id,
        patient_id=plan_row.episode.patient.public_id,
        detail={
            "plan": str(plan_row.public_id),
            "number": number,
            "adverse_events": [e.type_code for e in charted.adverse_events],
            "needles_in": charted.needles_in,
            "needles_out": charted.needles_out,
        }
        | (
            {
                "pain_before": "kept the patient's report"
                if charted.pain_before == reported.pain
                else "changed the patient's report"
            }
            if reported is not None
            else {}
        ),
    )
    return session


@transaction.atomic
def session_sign(
    *,
    actor: Actor,
    session_id: uuid.UUID | str,
    version: int,
    needles_out: int | None = None,
    explanation: str = "",
) -> TreatmentSession:
    """Sign (lock) the note. Needles in and out must match, or the difference be
    explained: a needle left in a patient is an avoidable adverse event."""
    found = access_session(actor, session_id, write=True)
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("plan__episode__patient")
        .get(pk=found.pk)
    )
    if session.created_by_id != actor.user.pk:
        raise PermissionDenied("A session note is signed by the practitioner who charted it.")
    if session.version != version:
        raise ConflictError("This session changed after you opened it; reload.", session.version)
    if session.signed:
        raise InputError("status", "This session is already signed; add an amendment instead.")
    refusal = signing_refusal(actor=actor)
    if refusal is not None:
        raise InputError(refusal.field, refusal.message)
    explanation = plain_text(
        explanation, "needle_count_explanation", max_length=2000, multiline=True
    )
    changed: dict[str, Any] = {}
    if needles_out is not None and needles_out != session.needles_out:
        if not 0 <= needles_out <= 100:
            raise InputError("needles_out", "The value is out of range.", {"min": 0, "max": 100})
        changed["needles_out"] = [session.needles_out, needles_out]
        session.needles_out = needles_out
    if explanation:
        session.needle_count_explanation = explanation
    if session.needle_mismatch and not session.needle_count_explanation:
        raise InputError(
            "needle_count_explanation",
            f"{session.needles_in} needles went in and {session.needles_out} came out. Find "
            "and remove any needle left in, correct the count, or explain the difference "
            "before signing.",
        )
    session.status = SessionStatus.SIGNED
    session.signed_by = actor.user
    session.signed_at = timezone.now()
    session.stamp(actor.user)
    session.save()
    recount_signed_sessions([session.plan.episode_id])
    audit_record(
        actor=actor,
        action="update",
        object_type="treatment_session",
        object_id=session.public_id,
        patient_id=session.plan.episode.patient.public_id,
        detail={
            "change": "sign",
            **changed,
            "needle_mismatch_explained": session.needle_mismatch,
        },
    )
    return session


@transaction.atomic
def session_amend(
    *,
    actor: Actor,
    session_id: uuid.UUID | str,
    reason: str,
    text: str,
    adverse_events: Sequence[Mapping[str, Any] | AdverseEventRecord] = (),
    submission: uuid.UUID | None = None,
) -> SessionAmendment:
    """Add to a signed note without changing it; adverse events reported later (by the
    patient at the next visit, a needle found afterwards) are recorded with it.
    `submission` is the once-only key: a resend creates neither the amendment nor its
    adverse events again (issue 14: duplicates inflated adverse-event rates)."""
    session = access_session(actor, session_id, write=True)
    if not session.signed:
        raise InputError("status", "Sign the session before amending it.", ["signed"])
    reason = plain_text(reason, "reason", max_length=300)
    text = plain_text(text, "text", max_length=5000, multiline=True)
    if not reason:
        raise InputError("reason", "Say why the note is amended.")
    events = [
        event if isinstance(event, AdverseEventRecord) else parse_adverse_event(event, i)
        for i, event in enumerate(adverse_events)
    ]
    for i, event in enumerate(events):
        _refuse_control_characters(event.model_dump(mode="json"), f"adverse_events[{i}]")
    if not text and not events:
        raise InputError("text", "Write the amendment.")
    claimed = submissions.claim(actor=actor, key=submission, object_type="session_amendment")
    amendment = _amendment_with_events(actor, session, reason, text, events)
    submissions.complete(claimed, amendment.public_id)
    return amendment


def _amendment_with_events(
    actor: Actor,
    session: TreatmentSession,
    reason: str,
    text: str,
    events: Sequence[AdverseEventRecord],
) -> SessionAmendment:
    """The amendment, its adverse events and its audit row (inside the caller's
    transaction)."""
    amendment = SessionAmendment.objects.create(
        session=session, reason=reason, text=text, created_by=actor.user
    )
    AdverseEvent.objects.bulk_create(
        AdverseEvent(
            session=session,
            amendment=amendment,
            created_by=actor.user,
            created_at=amendment.created_at,
            **event.model_dump(),
        )
        for event in events
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="session_amendment",
        object_id=amendment.public_id,
        patient_id=session.plan.episode.patient.public_id,
        detail={
            "session": str(session.public_id),
            "reason": reason,
            "adverse_events": [e.type_code for e in events],
        },
    )
    return amendment


PATIENT_REPORT_REASON = "Reported by the patient in the portal diary"


@transaction.atomic
def session_patient_report(
    *,
    actor: Actor,
    patient: Patient,
    session_id: uuid.UUID | str,
    text: str,
    adverse_events: Sequence[AdverseEventRecord],
) -> SessionAmendment:
    """After-effects a patient reports in their portal diary, recorded on the signed
    session as an amendment with its adverse events (reporter: patient), the way an event
    reported later is (docs/treatment.md). `patient` is the portal account's own record
    (`acucare.portal.access`); a session of anyone else is "not found". The portal's
    diary service calls this inside its own transaction and once-only claim."""
    if actor.role != Role.PATIENT:
        raise PermissionDenied("Only the patient reports in their own diary.")
    session = (
        TreatmentSession.objects.select_for_update()
        .select_related("plan__episode__patient")
        .filter(
            public_id=parse_public_id(session_id, "session"),
            plan__episode__patient=patient,
            status=SessionStatus.SIGNED,
        )
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    for i, event in enumerate(adverse_events):
        if event.reporter != "patient":
            raise InputError(f"adverse_events[{i}].reporter", "The patient reports.", ["patient"])
        _refuse_control_characters(event.model_dump(mode="json"), f"adverse_events[{i}]")
    if not adverse_events:
        raise InputError("adverse_events", "Nothing to report.")
    text = plain_text(text, "text", max_length=5000, multiline=True)
    return _amendment_with_events(actor, session, PATIENT_REPORT_REASON, text, adverse_events)


__all__ = ["session_amend", "session_create", "session_patient_report", "session_sign"]
