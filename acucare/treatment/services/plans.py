"""Writes to treatment plans: generate, edit points, approve. Each service is atomic,
keyword-only, takes the acting user, reaches records through `acucare.treatment.access`, and
appends one audit event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from acucare.accounts import submissions
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.planning import PlanningError, plan
from acucare.domain.screening import screen
from acucare.domain.session_check import SessionCheck
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.kb.records.acupoints import resolve_point_code
from acucare.patients.access import access_episode
from acucare.treatment import assessments
from acucare.treatment.access import access_plan
from acucare.treatment.charting import parse_point_edit
from acucare.treatment.checks import blocking_messages, check_plan_points
from acucare.treatment.models import PlanStatus, TreatmentPlan
from acucare.treatment.services._shared import assessment_for, current_intake, require_open


def _locked_plan(actor: Actor, plan_id: uuid.UUID | str, version: int | None) -> TreatmentPlan:
    found = access_plan(actor, plan_id, write=True)
    locked = (
        TreatmentPlan.objects.select_for_update()
        .select_related("episode__patient")
        .get(pk=found.pk)
    )
    # A discharged episode takes no treatment: its plans are neither edited nor approved.
    require_open(locked.episode)
    if version is not None and locked.version != version:
        raise ConflictError(
            "Someone else changed this plan after you opened it. Reload to see their "
            "changes, then make yours again.",
            locked.version,
        )
    return locked


@transaction.atomic
def plan_generate(
    *, actor: Actor, episode_id: uuid.UUID | str, submission: uuid.UUID | None = None
) -> TreatmentPlan:
    """A new draft plan from the episode's current assessment; earlier plans of the
    episode are superseded (their sessions keep pointing at them)."""
    episode = access_episode(actor, episode_id, write=True)
    claimed = submissions.claim(actor=actor, key=submission, object_type="treatment_plan")
    require_open(episode)
    found = assessment_for(actor, episode)
    knowledge = registry()
    intake = current_intake(found)
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
    submissions.created(
        claimed,
        actor=actor,
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
    added: dict[str, Any] = {
        "code": code,
        "side": edit.side,
        "role": "added",
        "why": why or f"Added by {actor.user.display_name}.",
        "citations": [],
        "added_by": str(actor.user.public_id),
        "needles": 2 if edit.side == "bilateral" else 1,
    }
    intake = current_intake(assessment_for(actor, record.episode))
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
    record.stamp(actor.user)
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
    intake = current_intake(assessment_for(actor, record.episode))
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
    found = assessment_for(actor, record.episode)
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
    if record.cannot_start:
        raise InputError(
            "status",
            "Treatment cannot start under this plan (see why on the plan). Record what is "
            "missing, such as consent, screen again and generate a new plan.",
        )
    record.status = PlanStatus.APPROVED
    record.approved_by = actor.user
    record.approved_at = timezone.now()
    record.stamp(actor.user)
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


__all__ = ["plan_approve", "plan_generate", "plan_point_add", "plan_point_remove"]
