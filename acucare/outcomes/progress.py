"""An episode's progress as the pages show it, built from rows already read (no queries
here): the course and its document, the engine's review, the schedule, what is due, and
the charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from acucare.domain.errors import InputError
from acucare.domain.scoring import score
from acucare.kb import registry
from acucare.outcomes import charts, engine
from acucare.outcomes.course import (
    Course,
    Due,
    MeasurementPoint,
    SessionPoint,
    course_document,
    due_measurements,
    number_sessions,
    with_diary_medications,
)
from acucare.outcomes.diary_pain import DiaryPain
from acucare.outcomes.models import CourseReview, Discharge, Measurement, MeasurementSchedule
from acucare.patients.models import Episode, EpisodeStatus

TIER_LABELS = {
    "substantial_improvement": "Substantial improvement",
    "moderate_improvement": "Moderate improvement",
    "minimal_improvement": "Minimal improvement",
    "no_important_change": "No important change",
    "worse": "Worse",
}
ACTION_LABELS = {
    "continue": "Continue",
    "modify": "Change the plan",
    "stop": "Stop acupuncture",
    "refer": "Refer",
    "discharge": "Discharge",
}
# The engine's recommendation, as the decision the review form preselects.
ACTION_DECISIONS = {
    "continue": "continue",
    "modify": "change_plan",
    "stop": "stop",
    "refer": "refer",
    "discharge": "discharge",
}
KIND_LABELS = {
    "baseline": "Baseline",
    "session": "Each session",
    "review": "Review",
    "discharge": "Discharge",
    "followup": "Follow-up",
}


@dataclass
class Progress:
    episode: Episode
    plans: list[Any]  # newest first, each with `sessions_shown`
    plan: Any | None  # the newest plan that is not superseded
    course: Course
    schedule: list[dict[str, Any]]
    schedule_row: MeasurementSchedule | None
    measurements: list[Measurement]
    reviews: list[CourseReview]
    discharge: Discharge | None
    document: dict[str, Any] | None
    review: dict[str, Any] | None
    review_error: InputError | None
    due: list[Due]
    planned: int | None
    pain_chart: charts.Chart | None = None
    domain_charts: list[charts.Chart] = field(default_factory=list)
    # The diary pain the pain chart draws, kept so a letter draws the same chart.
    diary_days: list[charts.DiaryDay] = field(default_factory=list)

    @property
    def discharged(self) -> bool:
        return self.episode.status == EpisodeStatus.DISCHARGED or self.discharge is not None

    @property
    def sessions_delivered(self) -> int:
        return self.course.sessions_delivered

    @property
    def review_sessions(self) -> list[int]:
        return sorted({t["session"] for t in self.schedule if t["kind"] == "review"})

    @property
    def next_review(self) -> int | None:
        done = {r.sessions_delivered for r in self.reviews}
        for number in self.review_sessions:
            if number >= self.sessions_delivered and number not in done:
                return number
        return None

    @property
    def review_due_now(self) -> bool:
        return any(d.kind == "review" and d.now for d in self.due) or (
            self.next_review is not None and self.next_review == self.sessions_delivered
        )

    @property
    def primary(self) -> dict[str, Any] | None:
        if self.review is None:
            return None
        primary = self.review.get("primary")
        return primary if isinstance(primary, dict) else None

    @property
    def primary_instrument_name(self) -> str:
        """The primary measure as people write it (PEG, NRS), never its record id."""
        primary = self.primary
        instrument = str(primary.get("instrument") or "") if primary else ""
        return engine.instrument_names([instrument])[0] if instrument else ""

    @property
    def tier(self) -> str | None:
        primary = self.primary
        return TIER_LABELS.get(str(primary.get("tier"))) if primary else None

    @property
    def recommendation(self) -> dict[str, Any] | None:
        if self.review is None:
            return None
        found = self.review.get("recommendation")
        return found if isinstance(found, dict) else None

    @property
    def recommended_action(self) -> str:
        found = self.recommendation
        return ACTION_LABELS.get(str(found.get("action")), "") if found else ""

    @property
    def recommended_decision(self) -> str:
        found = self.recommendation
        return ACTION_DECISIONS.get(str(found.get("action")), "") if found else ""

    @property
    def latest_scores(self) -> list[tuple[str, str, str]]:
        """(instrument, total, when) of the latest measurement of each questionnaire."""
        latest: dict[str, tuple[str, str, str]] = {}
        points = [self.course.baseline, *self.course.measurements]
        for point in points:
            if point is None:
                continue
            when = _when(point)
            for instrument, total in measurement_totals(point).items():
                latest[instrument] = (
                    engine.instrument_names([instrument])[0],
                    f"{total:g}",
                    when,
                )
        return list(latest.values())

    @property
    def adverse_events(self) -> dict[str, Any]:
        total = sum(s.adverse_events for s in self.course.sessions)
        serious = sum(s.serious_events for s in self.course.sessions)
        sessions = [s.number for s in self.course.sessions if s.adverse_events]
        return {"total": total, "serious": serious, "sessions": sessions}

    def schedule_rows(self) -> list[dict[str, Any]]:
        """The schedule for display: every-session measures collapsed into one row."""
        rows: list[dict[str, Any]] = []
        sessions = [t for t in self.schedule if t["kind"] == "session"]
        for t in self.schedule:
            if t["kind"] == "session":
                if t is sessions[0]:
                    rows.append(
                        {
                            "when": f"Before each session (1 to {len(sessions)})",
                            "instruments": engine.instrument_names(t["instruments"]),
                        }
                    )
                continue
            rows.append(
                {
                    "when": timepoint_label(t),
                    "instruments": engine.instrument_names(t["instruments"]),
                }
            )
        return rows


def timepoint_label(t: Mapping[str, Any]) -> str:
    kind = str(t["kind"])
    if kind == "review":
        return f"Review after session {t['session']}"
    if kind == "followup" and isinstance(t.get("days_after_discharge"), int):
        months = round(t["days_after_discharge"] / 30.4)
        return f"Follow-up {months} month{'s' if months != 1 else ''} after discharge"
    if kind == "baseline":
        return "Baseline (at intake)"
    return KIND_LABELS.get(kind, kind)


def _when(point: MeasurementPoint) -> str:
    if point.kind == "baseline":
        return f"baseline, {point.date:%-d %b %Y}"
    if point.kind == "review":
        return f"review after session {point.session}, {point.date:%-d %b %Y}"
    return f"{KIND_LABELS[point.kind].lower()}, {point.date:%-d %b %Y}"


def measurement_totals(point: MeasurementPoint) -> dict[str, float]:
    """Each questionnaire's total at one measurement (unscorable answers left out)."""
    knowledge = registry()
    totals: dict[str, float] = {}
    for instrument, answers in point.scores.items():
        try:
            result = score(knowledge, instrument, answers)
        except InputError:
            continue
        if result.total is not None:
            totals[instrument] = result.total
    return totals


def _sessions(plans: Sequence[Any]) -> list[SessionPoint]:
    order = {p.pk: i for i, p in enumerate(sorted(plans, key=lambda p: (p.created_at, p.pk)))}
    rows = [
        (s.date, order[p.pk], s.number, s) for p in plans for s in getattr(p, "sessions_shown", [])
    ]
    return [
        SessionPoint(
            number=n,
            date=s.date,
            pain_before=s.pain_before,
            pain_after=s.pain_after,
            public_id=str(s.public_id),
            plan_number=s.number,
            adverse_events=getattr(s, "adverse_event_count", 0) or 0,
            serious_events=getattr(s, "serious_event_count", 0) or 0,
        )
        for n, s in number_sessions(rows)
    ]


def _point(m: Measurement) -> MeasurementPoint:
    return MeasurementPoint(
        kind=m.kind,
        session=m.session,
        date=m.date,
        scores=m.scores,
        pgic=m.pgic,
        medications=m.medications,
        public_id=str(m.public_id),
    )


def _baseline(
    plans: Sequence[Any], measurements: Sequence[Measurement], first_session: dt.date | None
) -> MeasurementPoint | None:
    """The intake's questionnaires, with any baseline recorded on the outcomes page
    taking precedence for the questionnaires it answers (and adding medication doses)."""
    recorded = [m for m in measurements if m.kind == "baseline"]
    oldest = min(plans, key=lambda p: (p.created_at, p.pk), default=None)
    scores: dict[str, Any] = {}
    date: dt.date | None = None
    if oldest is not None:
        answers = oldest.assessment.intake_document.get("questionnaires") or {}
        scores = {k: v for k, v in answers.items() if isinstance(v, dict) and v}
        date = timezone.localdate(oldest.assessment.created_at)
    if not recorded and oldest is None:
        return None
    latest = recorded[-1] if recorded else None
    if latest is not None:
        scores.update(latest.scores)
        date = min(date, latest.date) if date is not None else latest.date
    assert date is not None
    point = MeasurementPoint(
        kind="baseline",
        session=0,
        date=date,
        scores=scores,
        medications=latest.medications if latest is not None else (),
        public_id=str(latest.public_id) if latest is not None else "",
        source="measurement" if latest is not None else "intake",
    )
    if first_session is not None and point.date > first_session:
        point = MeasurementPoint(
            kind="baseline",
            session=0,
            date=first_session,
            scores=point.scores,
            medications=point.medications,
            public_id=point.public_id,
            source=point.source,
        )
    return point


def build(
    episode: Episode,
    *,
    plans: Sequence[Any],
    measurements: list[Measurement],
    reviews: list[CourseReview],
    discharge: Discharge | None,
    schedules: Mapping[int, MeasurementSchedule],
    with_charts: bool = True,
    diary: Sequence[DiaryPain] = (),
) -> Progress:
    current = next((p for p in plans if p.status != "superseded"), None)
    sessions = _sessions(plans)
    ordered = sorted(measurements, key=lambda m: (m.date, m.session, m.created_at, m.pk))
    baseline = _baseline(plans, ordered, sessions[0].date if sessions else None)
    # A timepoint recorded twice counts once: the newer recording.
    latest: dict[tuple[str, int, dt.date | int], Measurement] = {}
    for m in ordered:
        if m.kind == "baseline":
            continue
        key: tuple[str, int, dt.date | int] = (
            m.kind,
            m.session,
            m.date if m.kind == "followup" else 0,
        )
        latest[key] = m
    # `diary` may hold other episodes' days (the chart reads every episode's at once).
    ours = {s.public_id for s in sessions}
    points = with_diary_medications(
        [_point(m) for m in latest.values()],
        [(d.day, d.medications) for d in diary if d.session_id in ours],
    )
    schedule_row = schedules.get(current.pk) if current is not None else None
    schedule: list[dict[str, Any]] = []
    if schedule_row is not None:
        schedule = [engine.timepoint_dict(t) for t in schedule_row.timepoints]
    elif current is not None and current.status == "approved":
        schedule = engine.derived_schedule(current.document)
    course = Course(
        icd10=_icd10(current, episode),
        baseline=baseline,
        sessions=sessions,
        measurements=points,
        payer=schedule_row.payer if schedule_row is not None else "",
    )
    document = course_document(course)
    review: dict[str, Any] | None = None
    error: InputError | None = None
    if document is not None:
        try:
            review = engine.review(document)
        except InputError as exc:
            error = exc
    planned = (current.acupuncture or {}).get("sessions") if current is not None else None
    progress = Progress(
        episode=episode,
        plans=list(plans),
        plan=current,
        course=course,
        schedule=schedule,
        schedule_row=schedule_row,
        measurements=ordered,
        reviews=reviews,
        discharge=discharge,
        document=document,
        review=review,
        review_error=error,
        due=due_measurements(
            schedule,
            sessions_delivered=course.sessions_delivered,
            recorded=points,
            discharged_on=discharge.date if discharge is not None else None,
            today=timezone.localdate(),
        ),
        planned=planned if isinstance(planned, int) else None,
    )
    if with_charts:
        _charts(progress, diary)
    return progress


def _icd10(plan: Any | None, episode: Episode) -> str:
    if plan is not None:
        code = (plan.document.get("condition") or {}).get("icd10")
        if code:
            return str(code)
    conditions = list(episode.conditions.all()) if hasattr(episode, "conditions") else []
    return conditions[0].icd10 if conditions else ""


def _charts(progress: Progress, diary: Sequence[DiaryPain]) -> None:
    primary = progress.primary or {}
    baseline = primary.get("baseline")
    instrument = str(primary.get("instrument") or "")
    pain_scale = instrument in ("nrs", "peg")
    sessions = {s.public_id: s for s in progress.course.sessions}
    progress.diary_days = [
        charts.DiaryDay(
            sessions[d.session_id].number,
            (d.day - sessions[d.session_id].date).days,
            f"{d.day:%-d %b %Y}",
            d.pain,
        )
        for d in diary
        if d.session_id in sessions
    ]
    progress.pain_chart = charts.pain_chart(
        [
            charts.PainSession(s.number, f"{s.date:%-d %b %Y}", s.pain_before, s.pain_after)
            for s in progress.course.sessions
        ],
        diary=progress.diary_days,
        baseline=float(baseline) if pain_scale and isinstance(baseline, int | float) else None,
        baseline_label=engine.instrument_names([instrument])[0] if instrument else "",
        reviews=[r.sessions_delivered for r in progress.reviews]
        or [n for n in progress.review_sessions if n <= progress.sessions_delivered],
        discharge=progress.discharge.sessions_delivered if progress.discharge else None,
        planned=progress.planned,
    )
    series: dict[str, list[charts.DomainValue]] = {}
    points = [progress.course.baseline, *progress.course.measurements]
    for point in points:
        if point is None:
            continue
        label = _when(point).split(",")[0].capitalize()
        for name, total in measurement_totals(point).items():
            series.setdefault(name, []).append(charts.DomainValue(label, point.session, total))
    progress.domain_charts = charts.domain_charts(series)


def instruments_for(progress: Progress, kind: str) -> list[str]:
    """The questionnaires the schedule asks for at this kind of timepoint now (the staff
    measurement form and the patient portal ask the same)."""
    for due in progress.due:
        if due.kind == kind:
            return list(due.instruments)
    matching = [t for t in progress.schedule if t["kind"] == kind]
    if kind == "review" and matching:
        current = [t for t in matching if t["session"] == progress.next_review]
        return list((current or matching)[0]["instruments"])
    if matching:
        return list(matching[0]["instruments"])
    baseline = [t for t in progress.schedule if t["kind"] == "baseline"]
    return list(baseline[0]["instruments"]) if baseline else list(DEFAULT_BASELINE)


# Asked at baseline before a plan (and its schedule) exists: pain, mood and anxiety.
DEFAULT_BASELINE = ("nrs", "phq9", "gad7")
