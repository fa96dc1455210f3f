"""Writes to plans and sessions. Each service is atomic, keyword-only, takes the acting
user, reaches records through `acucare.treatment.access`, and appends one audit event."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from acucare.accounts import submissions
from acucare.accounts.actor import Actor
from acucare.audit.services import audit_record
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.intake import Intake, parse_intake
from acucare.domain.planning import PlanningError, plan
from acucare.domain.screening import screen
from acucare.domain.session_check import SessionCheck
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.kb.records.acupoints import resolve_point_code
from acucare.patients.access import access_episode
from acucare.patients.models import Episode, EpisodeStatus
from acucare.treatment import assessments
from acucare.treatment.access import access_plan, access_session
from acucare.treatment.charting import (
    AdverseEventRecord,
    SessionRecord,
    parse_adverse_event,
    parse_point_edit,
    parse_session_record,
)
from acucare.treatment.checks import (
    blocked_field,
    blocking_messages,
    check_plan_points,
    run_session_check,
)
from acucare.treatment.models import (
    AdverseEvent,
    PlanStatus,
    SessionAmendment,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)


def _assessment_for(actor: Actor, episode: Episode) -> assessments.AssessmentLike:
    found = assessments.current_assessment(actor=actor, episode=episode)
    if found is None:
        raise InputError(
            "assessment",
            "This episode has no current assessment: record the intake and screening first.",
        )
    return found


def _intake(found: assessments.AssessmentLike) -> Intake:
    """The assessment's intake, with the referrals a doctor has cleared since
    (acucare.domain.referrals): the session check follows them too."""
    intake = parse_intake(found.intake_document, registry(), prefix="intake.")
    return dataclasses.replace(
        intake, cleared_referrals=assessments.cleared_referrals(assessment=found)
    )


def _locked_plan(actor: Actor, plan_id: uuid.UUID | str, version: int | None) -> TreatmentPlan:
    found = access_plan(actor, plan_id, write=True)
    locked = (
        TreatmentPlan.objects.select_for_update()
        .select_related("episode__patient")
        .get(pk=found.pk)
    )
    if version is not None and locked.version != version:
        raise ConflictError(
            "Someone else changed this plan after you opened it. Reload to see their "
            "changes, then make yours again.",
            locked.version,
        )
    return locked


def _require_open(episode: Episode) -> None:
    if episode.status == EpisodeStatus.DISCHARGED:
        raise InputError(
            "episode",
            "This episode is discharged: reopen it (change its status) before planning or "
            "charting treatment.",
        )


def _touch(record: TreatmentPlan | TreatmentSession, actor: Actor) -> None:
    record.version += 1
    record.updated_by = actor.user
    record.updated_at = timezone.now()


# --- Plans ------------------------------------------------------------------------------


@transaction.atomic
def plan_generate(
    *, actor: Actor, episode_id: uuid.UUID | str, submission: uuid.UUID | None = None
) -> TreatmentPlan:
    """A new draft plan from the episode's current assessment; earlier plans of the
    episode are superseded (their sessions keep pointing at them)."""
    episode = access_episode(actor, episode_id, write=True)
    claimed = submissions.claim(actor=actor, key=submission, object_type="treatment_plan")
    _require_open(episode)
    found = _assessment_for(actor, episode)
    knowledge = registry()
    intake = _intake(found)
    try:
        screening = assessments.screening_for_planning(
            assessment=found, screening=screen(intake, knowledge)
        )
        document = plan(intake, screening, knowledge).as_document()
    except PlanningError as exc:  # a planner fault: never store a plan the check refuses
        raise InputError("assessment", f"No safe plan could be made: {exc}") from exc
    acupuncture = document.get("acupuncture") or {}
    now = timezone.now()
    superseded = list(
        TreatmentPlan.objects.filter(episode=episode)
        .exclude(status=PlanStatus.SUPERSEDED)
        .values_list("public_id", flat=True)
    )
    TreatmentPlan.objects.filter(episode=episode).exclude(status=PlanStatus.SUPERSEDED).update(
        status=PlanStatus.SUPERSEDED, updated_at=now, updated_by=actor.user
    )
    document["edits"] = []
    record = TreatmentPlan.objects.create(
        episode=episode,
        assessment=found,
        document=document,
        kb_version=document["kb_version"],
        protocol=acupuncture.get("protocol") or "",
        rules=list(document.get("produced_by", {}).get("rules", [])),
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    submissions.complete(claimed, record.public_id)
    audit_record(
        actor=actor,
        action="create",
        object_type="treatment_plan",
        object_id=record.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "assessment": str(found.public_id),
            "kb_version": record.kb_version,
            "protocol": record.protocol,
            "superseded": [str(p) for p in superseded],
        },
    )
    return record


def _editable(record: TreatmentPlan) -> dict[str, Any]:
    if record.status == PlanStatus.SUPERSEDED:
        raise InputError(
            "status", "This plan has been superseded by a newer one; edit that one instead."
        )
    acupuncture = record.acupuncture
    if acupuncture is None:
        raise InputError(
            "status",
            "This plan asks for a medical assessment before treatment: it has no points to edit.",
        )
    return acupuncture


def _needles(point: Mapping[str, Any]) -> int:
    default = 2 if point["side"] == "bilateral" else 1
    value = point.get("needles", default)
    return value if isinstance(value, int) else default


def _kept(entries: list[dict[str, Any]], present: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Entries (a first-session point, a pair's electrode) whose point is still planned."""
    return [
        e
        for e in entries
        if (e.get("code"), e.get("side")) in present or (e.get("code"), "bilateral") in present
    ]


def _store_points(
    record: TreatmentPlan,
    acupuncture: dict[str, Any],
    points: list[dict[str, Any]],
    check: SessionCheck,
    edit: dict[str, Any],
) -> None:
    document = dict(record.document)
    acupuncture = dict(acupuncture)
    acupuncture["points"] = points
    ashi = (acupuncture.get("ashi_points") or {}).get("min", 0) or 0
    acupuncture["needles"] = sum(_needles(p) for p in points) + ashi
    # A removed point leaves the first session and the electroacupuncture pairs too.
    present = {(p["code"], p["side"]) for p in points}
    first = acupuncture.get("first_session")
    if isinstance(first, dict):
        kept = _kept(list(first.get("points", [])), present)
        acupuncture["first_session"] = {
            **first,
            "points": kept,
            "needles": sum(_needles(p) for p in kept) + ashi,
        }
    if acupuncture.get("electro_pairs"):
        acupuncture["electro_pairs"] = [
            pair for pair in acupuncture["electro_pairs"] if len(_kept(list(pair), present)) == 2
        ]
    check_document = check.as_document()
    acupuncture["session_check"] = {
        **(acupuncture.get("session_check") or {}),
        "allowed": check_document["allowed"],
        "findings": [f for f in check_document["findings"] if f.get("scope") == "session"],
        "rules_applied": check_document["rules_applied"],
    }
    document["acupuncture"] = acupuncture
    document["edits"] = [*document.get("edits", []), edit]
    record.document = document


@transaction.atomic
def plan_point_add(
    *,
    actor: Actor,
    plan_id: uuid.UUID | str,
    version: int,
    point: Mapping[str, Any],
) -> TreatmentPlan:
    """Add a point; refused when the session check blocks it for this patient."""
    record = _locked_plan(actor, plan_id, version)
    acupuncture = _editable(record)
    edit = parse_point_edit(point)
    knowledge = registry()
    code = resolve_point_code(knowledge, edit.code)
    if code is None:
        raise InputError(
            "point.code",
            f"'{edit.code}' is not a known acupoint: use a WHO code such as LI4, "
            "or search by name.",
        )
    why = plain_text(edit.why, "point.why", max_length=500)
    points = record.points
    if any(
        p["code"] == code and (edit.side == p["side"] or "bilateral" in (edit.side, p["side"]))
        for p in points
    ):
        raise InputError("point.code", f"{code} ({edit.side}) is already in the plan.")
    added = {
        "code": code,
        "side": edit.side,
        "role": "added",
        "why": why or f"Added by {actor.user.display_name}.",
        "citations": [],
        "added_by": str(actor.user.public_id),
        "needles": 2 if edit.side == "bilateral" else 1,
    }
    intake = _intake(_assessment_for(actor, record.episode))
    try:
        check = check_plan_points(intake=intake, acupuncture=acupuncture, points=[*points, added])
    except InputError as error:
        raise InputError("point.side", error.message, error.allowed) from None
    if not check.allowed:
        raise InputError(
            "point.code",
            f"{code} ({edit.side}) cannot be added for this patient: "
            + " ".join(blocking_messages(check)),
        )
    cautions = [
        {
            "rule": f["rule"],
            "level": f["level"],
            "side": edit.side,
            "message": f["message"],
            "action": f["action"],
            "citations": f["citations"],
        }
        for f in check.as_document()["findings"]
        if f.get("scope") == "session"
        and ((f.get("subject") or {}).get("point") or {}).get("code") == code
    ]
    if cautions:
        added["cautions"] = cautions
    _save_point_edit(
        record,
        actor=actor,
        acupuncture=acupuncture,
        points=[*points, added],
        check=check,
        change="add_point",
        code=code,
        side=edit.side,
    )
    return record


def _save_point_edit(
    record: TreatmentPlan,
    *,
    actor: Actor,
    acupuncture: dict[str, Any],
    points: list[dict[str, Any]],
    check: SessionCheck,
    change: str,
    code: str,
    side: str,
) -> None:
    """Store an added or removed point, withdraw any approval, and audit the edit once."""
    was_approved = record.status == PlanStatus.APPROVED
    _store_points(
        record,
        acupuncture,
        points,
        check,
        {
            "change": change,
            "code": code,
            "side": side,
            "by": actor.user.display_name,
            "at": timezone.now().isoformat(),
        },
    )
    _reopen(record)
    _touch(record, actor)
    record.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="treatment_plan",
        object_id=record.public_id,
        patient_id=record.episode.patient.public_id,
        detail={"change": change, "code": code, "side": side, "approval_withdrawn": was_approved},
    )


def _reopen(record: TreatmentPlan) -> None:
    """An edited plan needs approving again."""
    record.status = PlanStatus.DRAFT
    record.approved_at = None
    record.approved_by = None


@transaction.atomic
def plan_point_remove(
    *, actor: Actor, plan_id: uuid.UUID | str, version: int, code: str, side: str
) -> TreatmentPlan:
    record = _locked_plan(actor, plan_id, version)
    acupuncture = _editable(record)
    code = resolve_point_code(registry(), code) or code
    points = record.points
    kept = [p for p in points if not (p["code"] == code and p["side"] == side)]
    if len(kept) == len(points):
        raise InputError(
            "point",
            f"{code} ({side}) is not in the plan.",
            [f"{p['code']}:{p['side']}" for p in points],
        )
    if not kept:
        raise InputError("point", "A plan keeps at least one point; generate a new plan instead.")
    intake = _intake(_assessment_for(actor, record.episode))
    check = check_plan_points(intake=intake, acupuncture=acupuncture, points=kept)
    _save_point_edit(
        record,
        actor=actor,
        acupuncture=acupuncture,
        points=kept,
        check=check,
        change="remove_point",
        code=code,
        side=side,
    )
    return record


@transaction.atomic
def plan_approve(*, actor: Actor, plan_id: uuid.UUID | str, version: int) -> TreatmentPlan:
    """A practitioner approves a draft plan once every screening finding that needs it
    has been acknowledged and the plan still rests on the episode's current assessment."""
    record = _locked_plan(actor, plan_id, version)
    if record.status != PlanStatus.DRAFT:
        raise InputError(
            "status", f"Only a draft plan can be approved; this one is {record.status}.", ["draft"]
        )
    found = _assessment_for(actor, record.episode)
    if found.pk != record.assessment_id:
        raise InputError(
            "assessment",
            "The episode has a newer assessment than this plan: generate a new plan from it.",
        )
    pending = assessments.unacknowledged_findings(assessment=found)
    if pending:
        rules = [str(f.get("rule", "?")) for f in pending]
        raise InputError(
            "findings",
            "Acknowledge these screening findings before approving the plan: "
            + ", ".join(rules)
            + ".",
            rules,
        )
    if record.referral_required:
        raise InputError(
            "status",
            "This plan asks for a medical assessment before any acupuncture. Record the "
            "outcome of the referral, screen again and generate a new plan.",
        )
    record.status = PlanStatus.APPROVED
    record.approved_by = actor.user
    record.approved_at = timezone.now()
    _touch(record, actor)
    record.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="treatment_plan",
        object_id=record.public_id,
        patient_id=record.episode.patient.public_id,
        detail={"change": "approve"},
    )
    return record


# --- Sessions ---------------------------------------------------------------------------


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


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    plan_id: uuid.UUID | str,
    record: Mapping[str, Any] | SessionRecord,
    submission: uuid.UUID | None = None,
) -> TreatmentSession:
    """Chart a session against an approved plan. Refused whole (nothing saved) when any
    field is invalid or the session check blocks anything in it."""
    found = access_plan(actor, plan_id, write=True)
    claimed = submissions.claim(actor=actor, key=submission, object_type="treatment_session")
    plan_row = (
        TreatmentPlan.objects.select_for_update()
        .select_related("episode__patient")
        .get(pk=found.pk)
    )
    _require_open(plan_row.episode)
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
    last = plan_row.sessions.aggregate(last=Max("number"))["last"] or 0
    number = charted.number or last + 1
    if plan_row.sessions.filter(number=number).exists():
        raise InputError(
            "number", f"Session {number} of this plan is already charted.", {"min": last + 1}
        )
    today = timezone.localdate()
    date = charted.date or today
    if date > today:
        raise InputError("date", "A session cannot be charted for a future date.")
    if date < plan_row.episode.started_on:
        raise InputError("date", "The session is dated before the episode started.")
    intake = _intake(_assessment_for(actor, plan_row.episode))
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
        co_interventions=data["co_interventions"],
        pain_before=charted.pain_before,
        pain_after=charted.pain_after,
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
    submissions.complete(claimed, session.public_id)
    audit_record(
        actor=actor,
        action="create",
        object_type="treatment_session",
        object_id=session.public_id,
        patient_id=plan_row.episode.patient.public_id,
        detail={
            "plan": str(plan_row.public_id),
            "number": number,
            "adverse_events": [e.type_code for e in charted.adverse_events],
            "needles_in": charted.needles_in,
            "needles_out": charted.needles_out,
        },
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
    _touch(session, actor)
    session.save()
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
) -> SessionAmendment:
    """Add to a signed note without changing it; adverse events reported later (by the
    patient at the next visit, a needle found afterwards) are recorded with it."""
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


__all__ = [
    "plan_approve",
    "plan_generate",
    "plan_point_add",
    "plan_point_remove",
    "session_amend",
    "session_create",
    "session_sign",
]
