"""Writes of outcomes: measurements, schedule edits, course reviews and discharges. Each
service is atomic, keyword-only, takes the acting user, checks access through the
episode or plan, refuses bad input whole (naming the field) and appends one audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from acucare.accounts import submissions
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.text import plain_text
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes import engine
from acucare.outcomes.course import followups
from acucare.outcomes.models import (
    BeforeSessionAnswer,
    CourseReview,
    Decision,
    Discharge,
    DischargeReason,
    Measurement,
    MeasurementKind,
    MeasurementSchedule,
    OutcomeStage,
    Payer,
)
from acucare.outcomes.patient_due import DueQuestionnaire
from acucare.outcomes.progress import Progress
from acucare.outcomes.selectors import chart_progress
from acucare.outcomes.summary import followup_stage, summarise
from acucare.outcomes.validation import clean_medications, clean_pgic, clean_scores
from acucare.patients import services as patients
from acucare.patients.access import access_episode
from acucare.patients.models import Episode, EpisodeStatus
from acucare.treatment import selectors as treatment


def _progress(episode: Episode) -> Progress:
    return chart_progress([episode])[episode.pk]


def _locked_episode(actor: Actor, episode_id: uuid.UUID | str) -> Episode:
    found = access_episode(actor, episode_id, write=True)
    return Episode.objects.select_for_update().select_related("patient").get(pk=found.pk)


def _require_open(episode: Episode, what: str) -> None:
    if episode.status == EpisodeStatus.DISCHARGED:
        raise InputError("episode", f"This episode is discharged: {what} is closed.")


# --- Measurements ------------------------------------------------------------------------


@transaction.atomic
def before_session_store(
    *,
    actor: Actor,
    episode: Episode,
    due: DueQuestionnaire,
    scores: Mapping[str, Any],
    submission: uuid.UUID | None = None,
) -> BeforeSessionAnswer:
    """The patient's answers before one appointment (`due`, read by the portal through
    the one due-definition for an episode it has locked): scored by the scorer, stored
    once for the appointment, audited. A second send for the appointment is refused
    on its form key, or on the appointment, with nothing saved."""
    claimed = submissions.claim(actor=actor, key=submission, object_type="before_session")
    appointment = due.appointment
    if appointment is None or due.session is None:
        raise InputError("kind", "Nothing is due before a session now.")
    if BeforeSessionAnswer.objects.filter(appointment=appointment).exists():
        raise InputError("appointment", "Your answers for this appointment are already saved.")
    cleaned = clean_scores({k: v for k, v in scores.items() if k in due.instruments})
    if not cleaned:
        raise InputError("scores", "Answer at least one questionnaire.")
    pain = cleaned.get("nrs", {}).get("1")
    record = BeforeSessionAnswer.objects.create(
        episode=episode,
        appointment=appointment,
        session=due.session,
        scores=cleaned,
        pain=pain,
        kb_version=registry().version,
        created_by=actor.user,
    )
    submissions.complete(claimed, record.public_id)
    audit_record(
        actor=actor,
        action="create",
        object_type="before_session_answer",
        object_id=record.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "appointment": str(appointment.public_id),
            "session": record.session,
            "instruments": sorted(cleaned),
        },
    )
    return record


@transaction.atomic
def measurement_record(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    kind: str,
    scores: Mapping[str, Any],
    pgic: object = None,
    medications: object = (),
    date: dt.date | None = None,
    submission: uuid.UUID | None = None,
) -> Measurement:
    """Record the questionnaires of one timepoint (baseline, review, discharge or a
    follow-up after discharge)."""
    return measurement_store(
        actor=actor,
        episode=_locked_episode(actor, episode_id),
        kind=kind,
        scores=scores,
        pgic=pgic,
        medications=medications,
        date=date,
        submission=submission,
    )


@transaction.atomic
def measurement_store(
    *,
    actor: Actor,
    episode: Episode,
    kind: str,
    scores: Mapping[str, Any],
    pgic: object = None,
    medications: object = (),
    date: dt.date | None = None,
    submission: uuid.UUID | None = None,
) -> Measurement:
    """`measurement_record` for an episode the caller has already reached and locked:
    a practitioner through `access_episode` (above), a patient through their own portal
    account (`acucare.portal`). The answers are validated by the scorer, the record is
    audited, and the review engine and the charts read it like any other."""
    claimed = submissions.claim(actor=actor, key=submission, object_type="measurement")
    if kind not in MeasurementKind.values:
        raise InputError("kind", f"'{kind}' is not a timepoint.", list(MeasurementKind.values))
    if kind == MeasurementKind.FOLLOWUP:
        if episode.status != EpisodeStatus.DISCHARGED:
            raise InputError(
                "kind",
                "Follow-ups are recorded after discharge.",
                ["baseline", "review", "discharge"],
            )
    else:
        _require_open(episode, "recording this timepoint")
    cleaned = clean_scores(scores)
    answer = clean_pgic(pgic)
    if answer is not None and kind == MeasurementKind.BASELINE:
        raise InputError("pgic", "The impression of change is not asked at baseline.")
    drugs = clean_medications(medications)
    if not cleaned and answer is None and not drugs:
        raise InputError("scores", "Answer at least one questionnaire.")
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise InputError("date", "A measurement cannot be dated in the future.")
    if date < episode.started_on:
        raise InputError("date", "The measurement is dated before the episode started.")
    progress = _progress(episode)
    record = Measurement.objects.create(
        episode=episode,
        kind=kind,
        session=progress.sessions_delivered if kind != MeasurementKind.BASELINE else 0,
        date=date,
        scores=cleaned,
        pgic=answer,
        medications=drugs,
        kb_version=registry().version,
        created_by=actor.user,
    )
    submissions.complete(claimed, record.public_id)
    if kind == MeasurementKind.FOLLOWUP:
        _summarise_followup(episode, date)
    audit_record(
        actor=actor,
        action="create",
        object_type="measurement",
        object_id=record.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "kind": kind,
            "session": record.session,
            "instruments": sorted(cleaned),
            "pgic": answer is not None,
            "medications": len(drugs),
        },
    )
    return record


def _summarise_followup(episode: Episode, date: dt.date) -> None:
    progress = _progress(episode)
    if progress.discharge is None:
        return
    stage = followup_stage((date - progress.discharge.date).days)
    summarise(progress=progress, stage=stage, recorded_on=date)


# --- The schedule -------------------------------------------------------------------------


def _instrument_list(value: object, field: str) -> list[str]:
    known = registry().of(Instrument)
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InputError(field, "Expected a list of questionnaires.", sorted(known))
    chosen = []
    for i, item in enumerate(value):
        if item not in known:
            raise InputError(
                f"{field}[{i}]", f"'{item}' is not a known questionnaire.", sorted(known)
            )
        if item not in chosen:
            chosen.append(str(item))
    return chosen


def _sessions_list(value: object, field: str, high: int) -> list[int]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InputError(field, "Expected a list of session numbers.", {"min": 1, "max": high})
    found = []
    for i, item in enumerate(value):
        if type(item) is not int or not 1 <= item <= high:
            raise InputError(
                f"{field}[{i}]",
                f"Expected a session number from 1 to {high}.",
                {"min": 1, "max": high},
            )
        found.append(item)
    return sorted(set(found))


@dataclass(frozen=True)
class _ScheduleEdit:
    every: list[str]
    reviews: list[int]
    at_review: list[str]
    at_discharge: list[str]
    followup_days: list[int]


def _schedule_timepoints(
    edit: _ScheduleEdit, planned: int, baseline: dict[str, Any] | None
) -> list[dict[str, Any]]:
    def point(kind: str, session: int | None, days: int | None, what: list[str]) -> dict[str, Any]:
        return {"kind": kind, "session": session, "days_after_discharge": days, "instruments": what}

    timepoints = [baseline] if baseline is not None else []
    for n in range(1, planned + 1):
        if edit.every:
            timepoints.append(point("session", n, None, edit.every))
        if n in edit.reviews:
            timepoints.append(point("review", n, None, edit.at_review))
    timepoints.extend(point("review", n, None, edit.at_review) for n in edit.reviews if n > planned)
    if edit.at_discharge:
        timepoints.append(point("discharge", planned, None, edit.at_discharge))
    follow = edit.at_discharge or edit.at_review
    timepoints.extend(point("followup", None, d, follow) for d in edit.followup_days)
    return timepoints


@transaction.atomic
def schedule_update(
    *,
    actor: Actor,
    plan_id: uuid.UUID | str,
    version: int,
    each_session: Sequence[str],
    reviews: Sequence[int],
    review_instruments: Sequence[str],
    discharge_instruments: Sequence[str],
    followup_days: Sequence[int],
    payer: str,
) -> MeasurementSchedule:
    """Replace the derived schedule of an approved plan with the practitioner's edit.

    `version` is the stored schedule's version, or 0 when it follows the derived one."""
    plan = treatment.plan_detail(actor=actor, plan_id=plan_id)
    if plan.status != "approved":
        raise InputError("plan", "Only an approved plan has a measurement schedule.", ["approved"])
    _require_open(plan.episode, "its schedule")
    planned = int((plan.acupuncture or {}).get("sessions") or 0)
    if payer not in Payer.values:
        raise InputError("payer", f"'{payer}' is not a payer acucare knows.", list(Payer.values))
    edit = _ScheduleEdit(
        every=_instrument_list(list(each_session), "each_session"),
        reviews=_sessions_list(list(reviews), "reviews", max(planned, 1) * 2),
        at_review=_instrument_list(list(review_instruments), "review_instruments"),
        at_discharge=_instrument_list(list(discharge_instruments), "discharge_instruments"),
        followup_days=_sessions_list(list(followup_days), "followup_days", 3 * 365),
    )
    if edit.reviews and not edit.at_review:
        raise InputError("review_instruments", "Choose what is measured at a review.")
    derived = engine.derived_schedule(plan.document)
    baseline = next((t for t in derived if t["kind"] == "baseline"), None)
    timepoints = _schedule_timepoints(edit, planned, baseline)
    row = _schedule_row(actor, plan, version)
    first_edit = not row.timepoints
    row.timepoints = timepoints
    row.payer = payer
    row.kb_version = registry().version
    row.stamp(actor.user)
    row.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="measurement_schedule",
        object_id=row.public_id,
        patient_id=plan.episode.patient.public_id,
        detail={
            "plan": str(plan.public_id),
            "reviews": edit.reviews,
            "followup_days": edit.followup_days,
            "payer": payer,
            "first_edit": first_edit,
        },
    )
    return row


def _schedule_row(actor: Actor, plan: Any, version: int) -> MeasurementSchedule:
    row = MeasurementSchedule.objects.select_for_update().filter(plan=plan).first()
    if row is None:
        if version not in (0, None):
            raise ConflictError("The schedule changed after you opened it; reload.", 0)
        return MeasurementSchedule(
            plan=plan, created_by=actor.user, created_at=timezone.now(), version=0
        )
    if row.version != version:
        raise ConflictError(
            "Someone else changed this schedule after you opened it; reload.", row.version
        )
    return row


# --- Reviews and discharge ---------------------------------------------------------------


def _reason(value: str, field: str = "reason") -> str:
    text = plain_text(value, field, max_length=2000, multiline=True)
    if not text:
        raise InputError(field, "Give the reason in a sentence or two.")
    return text


@transaction.atomic
def review_record(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    decision: str,
    reason: str,
    submission: uuid.UUID | None = None,
) -> CourseReview:
    """Sign a course review: the engine's review of the course as it stands, and the
    practitioner's decision with its reason."""
    episode = _locked_episode(actor, episode_id)
    claimed = submissions.claim(actor=actor, key=submission, object_type="course_review")
    _require_open(episode, "reviewing the course")
    if decision not in Decision.values:
        raise InputError("decision", f"'{decision}' is not a decision.", list(Decision.values))
    text = _reason(reason)
    progress = _progress(episode)
    if progress.plan is None or progress.plan.status != "approved":
        raise InputError("plan", "A course is reviewed against an approved plan.")
    if progress.review is None or progress.document is None:
        error = progress.review_error
        raise InputError(
            "course",
            "The course cannot be reviewed yet: "
            + (error.message if error else "record the baseline questionnaires first."),
        )
    recommended = str((progress.recommendation or {}).get("action") or "")
    record = CourseReview.objects.create(
        episode=episode,
        plan=progress.plan,
        sessions_delivered=progress.sessions_delivered,
        course_document=progress.document,
        review_document=progress.review,
        kb_version=registry().version,
        recommended=recommended,
        decision=decision,
        reason=text,
        signed_by=actor.user,
    )
    submissions.complete(claimed, record.public_id)
    summarise(
        progress=progress,
        stage=OutcomeStage.REVIEW,
        recorded_on=timezone.localdate(record.signed_at),
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="course_review",
        object_id=record.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "sessions_delivered": record.sessions_delivered,
            "recommended": recommended,
            "decision": decision,
            "tier": (progress.primary or {}).get("tier"),
        },
    )
    return record


@transaction.atomic
def discharge_record(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    reason: str,
    advice: str,
    date: dt.date | None = None,
    submission: uuid.UUID | None = None,
) -> Discharge:
    """Discharge the episode: the final outcomes and tier as the engine reads the course,
    sessions delivered, adverse events, the advice given, and the follow-ups it schedules.
    The episode is closed to charting."""
    episode = _locked_episode(actor, episode_id)
    claimed = submissions.claim(actor=actor, key=submission, object_type="discharge")
    _require_open(episode, "discharging it again")
    if reason not in DischargeReason.values:
        raise InputError(
            "reason", f"'{reason}' is not a discharge reason.", list(DischargeReason.values)
        )
    text = plain_text(advice, "advice", max_length=5000, multiline=True)
    if not text:
        raise InputError("advice", "Write the advice given to the patient at discharge.")
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise InputError("date", "A discharge cannot be dated in the future.")
    progress = _progress(episode)
    last_session = progress.course.sessions[-1].date if progress.course.sessions else None
    if date < episode.started_on or (last_session is not None and date < last_session):
        raise InputError(
            "date", "The discharge is dated before the last session or the episode's start."
        )
    record = Discharge.objects.create(
        episode=episode,
        reason=reason,
        date=date,
        sessions_delivered=progress.sessions_delivered,
        primary_tier=str((progress.primary or {}).get("tier") or ""),
        course_document=progress.document or {},
        review_document=progress.review or {},
        adverse_events=progress.adverse_events,
        advice=text,
        followups=followups(progress.schedule, date),
        kb_version=registry().version,
        signed_by=actor.user,
    )
    submissions.complete(claimed, record.public_id)
    summarise(progress=progress, stage=OutcomeStage.DISCHARGE, recorded_on=date)
    patients.episode_update(
        actor=actor,
        episode_id=episode.public_id,
        version=episode.version,
        complaint=episode.complaint,
        status=EpisodeStatus.DISCHARGED,
        ended_on=date,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="discharge",
        object_id=record.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "reason": reason,
            "sessions_delivered": record.sessions_delivered,
            "tier": record.primary_tier,
            "followups": [f["due"] for f in record.followups],
        },
    )
    return record


__all__ = [
    "discharge_record",
    "measurement_record",
    "review_record",
    "schedule_update",
]
