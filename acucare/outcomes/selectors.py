"""Reads of outcomes. The episode page's read appends one audit event; the patient-chart
summary and the due-measurement notes are built for pages whose own selector has
already checked access and recorded the read."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils import timezone

from acucare.accounts.models import display_name_fields
from acucare.assessments.questions import LEVEL_LABELS
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.prepared import PreparedRead
from acucare.outcomes.diary_pain import DiaryPain, diary_pain
from acucare.outcomes.models import (
    BeforeSessionAnswer,
    CourseReview,
    Discharge,
    Measurement,
    MeasurementSchedule,
)
from acucare.outcomes.patient_due import in_window
from acucare.outcomes.progress import Progress, build
from acucare.patients.access import access_episode
from acucare.patients.models import Episode
from acucare.patients.selectors import PatientChart
from acucare.scheduling.models import HOLDS_TIME, AppointmentStatus
from acucare.treatment import selectors as treatment
from acucare.treatment.models import TreatmentSession
from acucare.treatment.reported_pain import ReportedPain

_Signed = TypeVar("_Signed", CourseReview, Discharge)


def _rows(
    episodes: Sequence[Episode],
    plans: Mapping[int, Sequence[Any]],
    *,
    discharged: bool = True,
    signers: bool = True,
) -> tuple[
    dict[int, list[Measurement]],
    dict[int, list[CourseReview]],
    dict[int, Discharge],
    dict[int, MeasurementSchedule],
]:
    """The episodes' measurements, signed reviews (oldest first), discharges and their
    plans' edited schedules. Unordered reads, sorted here: a course has a handful of
    each, and compiling an ORDER BY costs more than sorting them (`build` sorts the
    measurements itself). Without `signers` (a page that shows no signer: the chart,
    the portal) the reviews and discharges come without their signer."""
    ids = [e.pk for e in episodes]
    measurements: dict[int, list[Measurement]] = {i: [] for i in ids}
    for m in _MEASUREMENTS(ids=ids):
        measurements[m.episode_id].append(m)
    reviews: dict[int, list[CourseReview]] = {i: [] for i in ids}
    signed = (_SIGNED_REVIEWS if signers else _REVIEWS)(ids=ids)
    for r in sorted(signed, key=lambda r: (r.signed_at, r.pk)):
        reviews[r.episode_id].append(r)
    # Open episodes (the chart summary) have no discharge: no need to look.
    discharges = (
        {d.episode_id: d for d in (_SIGNED_DISCHARGES if signers else _DISCHARGES)(ids=ids)}
        if discharged
        else {}
    )
    plan_ids = [p.pk for found in plans.values() for p in found]
    schedules = {s.plan_id: s for s in _SCHEDULES(ids=plan_ids)}
    return measurements, reviews, discharges, schedules


# The course a review or discharge was judged on: kept for the record, never shown (the
# pages show the progress built now and the review document), and a hundred-session
# course's JSON to decode for nothing.
_UNREAD = ("course_document",)


def _unsigned(model: type[_Signed]) -> QuerySet[_Signed]:
    """Reviews or discharges without their signer and the course they were judged on."""
    return model.objects.defer(*_UNREAD)


def _signed(model: type[_Signed]) -> QuerySet[_Signed]:
    """Reviews or discharges with their signer's name (`User.display_name`): not the
    signer's whole row, with its password hash and second-factor secret, nor the course
    they were judged on."""
    own = [f.name for f in model._meta.concrete_fields if f.name not in _UNREAD]
    return model.objects.select_related("signed_by").only(*own, *_SIGNER_NAME)


_SIGNER_NAME = display_name_fields("signed_by")

# The episode pages' reads, compiled once (`acucare.core.prepared`). Unordered reads,
# sorted by the caller: a course has a handful of each.
_MEASUREMENTS: PreparedRead[Measurement] = PreparedRead(
    lambda ids: Measurement.objects.filter(episode_id__in=ids).order_by()
)
_REVIEWS: PreparedRead[CourseReview] = PreparedRead(
    lambda ids: _unsigned(CourseReview).filter(episode_id__in=ids).order_by()
)
_SIGNED_REVIEWS: PreparedRead[CourseReview] = PreparedRead(
    lambda ids: _signed(CourseReview).filter(episode_id__in=ids).order_by()
)
_DISCHARGES: PreparedRead[Discharge] = PreparedRead(
    lambda ids: _unsigned(Discharge).filter(episode_id__in=ids).order_by()
)
_SIGNED_DISCHARGES: PreparedRead[Discharge] = PreparedRead(
    lambda ids: _signed(Discharge).filter(episode_id__in=ids).order_by()
)
_SCHEDULES: PreparedRead[MeasurementSchedule] = PreparedRead(
    lambda ids: MeasurementSchedule.objects.filter(plan_id__in=ids).order_by()
)


def _diary(plans: Mapping[int, Sequence[Any]]) -> list[DiaryPain]:
    """The patient's diary pain after the plans' sessions, one read for every episode.
    By plan, not by a list of a hundred session ids (which costs more to compile than to
    run); `build` keeps only the days of the sessions it charts."""
    return diary_pain([p.pk for found in plans.values() for p in found])


def episode_progress(*, actor: Actor, episode_id: uuid.UUID | str) -> Progress:
    """One episode's outcomes: course, engine review, schedule, reviews, discharge and
    charts, in a fixed number of queries whatever the number of sessions."""
    episode = access_episode(actor, episode_id, write=False)
    plans: Mapping[int, Sequence[Any]] = treatment.plans_by_episode([episode])
    measurements, reviews, discharges, schedules = _rows([episode], plans)
    progress = build(
        episode,
        plans=plans[episode.pk],
        measurements=measurements[episode.pk],
        reviews=reviews[episode.pk],
        discharge=discharges.get(episode.pk),
        schedules=schedules,
        diary=_diary(plans),
    )
    audit_record(
        actor=actor,
        action="read",
        object_type="episode_outcomes",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "sessions": [s.public_id for s in progress.course.sessions],
            "measurements": [str(m.public_id) for m in progress.measurements],
            "reviews": [str(r.public_id) for r in progress.reviews],
        },
    )
    return progress


def chart_progress(
    episodes: Sequence[Episode],
    plans: Mapping[int, Sequence[Any]] | None = None,
    *,
    discharged: bool = True,
    charts: bool = True,
) -> dict[int, Progress]:
    """Each episode's progress for the patient chart (which checked access and audited),
    in a fixed number of queries whatever the number of episodes and sessions. Without
    `charts` (a page or job that shows no chart: the portal's home, the reminder scan)
    the pain and questionnaire charts are not drawn. The reviews and discharges come
    without their signer, which only the outcomes page (`episode_progress`) shows."""
    if not episodes:
        return {}
    if plans is None:
        plans = treatment.plans_by_episode(list(episodes))
    measurements, reviews, discharges, schedules = _rows(
        episodes, plans, discharged=discharged, signers=False
    )
    diary = _diary(plans)
    return {
        e.pk: build(
            e,
            plans=plans.get(e.pk, []),
            measurements=measurements[e.pk],
            reviews=reviews[e.pk],
            discharge=discharges.get(e.pk),
            schedules=schedules,
            diary=diary,
            with_charts=charts,
        )
        for e in episodes
    }


# Alerts the chart summary shows from a current screening, most severe first.
ALERT_LEVELS = ("urgent", "refer", "block", "warn")


@dataclass(frozen=True)
class Alert:
    level: str
    text: str
    episode: str


@dataclass(frozen=True)
class EpisodeSummary:
    progress: Progress
    chart_id: str


@dataclass(frozen=True)
class ChartSummary:
    episodes: list[EpisodeSummary]


def _alerts(episode: Any, assessment: Any) -> list[Alert]:
    if assessment is None:
        return []
    pending = {str(f.get("rule")) for f in assessment.unacknowledged()}
    found: list[Alert] = []
    for finding in assessment.findings:
        level = str(finding.get("level"))
        if level not in ALERT_LEVELS:
            continue
        if level in ("urgent", "refer") and str(finding.get("rule")) not in pending:
            continue  # acknowledged: acted on
        label = LEVEL_LABELS.get(level, level)
        if level in ("urgent", "refer"):
            label = f"{label} (not acknowledged)"
        elif level == "warn":
            label = "Caution"
        if "allerg" in str(finding.get("rule", "")):
            label = "Allergy"
        found.append(Alert(label, str(finding.get("message", "")), episode.complaint))
    order = {lvl: i for i, lvl in enumerate(ALERT_LEVELS)}
    return sorted(found, key=lambda a: order.get(_level_of(a), 9))


def _level_of(alert: Alert) -> str:
    for level, label in LEVEL_LABELS.items():
        if alert.level.startswith(label):
            return level
    return "warn"


def chart_summary(actor: Actor, chart: PatientChart) -> ChartSummary | None:
    """The patient chart's section at the top of the page, for practitioners: the active
    alerts of the open episodes' current screenings and each open episode's position in
    its course. The chart's selector checked access and audited the read."""
    if not chart.clinical:
        return None
    open_episodes = [e for e in chart.episodes if e.status != "discharged"]
    progress = chart_progress(open_episodes, discharged=False)
    return ChartSummary(
        [EpisodeSummary(progress[e.pk], f"summary-chart-{i}") for i, e in enumerate(open_episodes)],
    )


def chart_alerts(summary: ChartSummary, assessments: Mapping[int, Any]) -> list[Alert]:
    """The active alerts of the open episodes, from the current assessments the chart's
    "assessments" section has already read (with their acknowledgements): no query."""
    return [
        a
        for item in summary.episodes
        for a in _alerts(item.progress.episode, assessments.get(item.progress.episode.pk))
    ]


def plan_progress(plan: Any) -> Progress:
    """The progress of the episode of a plan already read through the treatment selectors
    (for the session form's due measurements: no audit event of its own)."""
    return chart_progress([plan.episode])[plan.episode.pk]


def before_session_pain(actor: Actor, plan: Any, date: dt.date) -> ReportedPain | None:
    """The pain the patient reported in the portal before the session of `plan` on
    `date` (the session form's view read the plan and checked access; the form shows
    it). Only an answer for an appointment on that day, given in its window, while no
    session of the episode is charted on that day or later: a stale answer, or one for
    another appointment, is never used."""
    if TreatmentSession.objects.filter(plan__episode=plan.episode, date__gte=date).exists():
        return None
    found = (
        BeforeSessionAnswer.objects.filter(episode=plan.episode, pain__isnull=False)
        .select_related("appointment")
        .order_by("-answered_at", "-id")
    )
    for answer in found[:5]:
        appointment = answer.appointment
        if timezone.localdate(appointment.start) != date:
            continue
        if appointment.status not in (*HOLDS_TIME, AppointmentStatus.COMPLETED):
            continue
        if not in_window(appointment, answer.answered_at):
            continue
        assert answer.pain is not None
        audit_record(
            actor=actor,
            action="read",
            object_type="before_session_answer",
            object_id=answer.public_id,
            patient_id=plan.episode.patient.public_id,
        )
        return ReportedPain(answer.pain, answer.answered_at)
    return None
