"""The course of one episode as plain values: its sessions numbered across the episode's
plans, its measurements, and the `acucare.course/1` document the review engine reads.

Nothing here decides anything clinical; it only puts the records in the contract's shape
(oldest first, sessions never going down, dates never going backwards)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

COURSE_FORMAT = "acucare.course/1"
# At one session number: the session itself, then what was measured after it.
_ORDER = {"baseline": 0, "session": 1, "review": 2, "discharge": 3, "followup": 4}


@dataclass(frozen=True)
class SessionPoint:
    """One charted session, numbered across the episode (1, 2, … over every plan)."""

    number: int
    date: dt.date
    pain_before: int | None
    pain_after: int | None
    public_id: str = ""
    plan_number: int = 0  # its number within its own plan
    adverse_events: int = 0
    serious_events: int = 0


@dataclass(frozen=True)
class MeasurementPoint:
    kind: str  # baseline, review, discharge, followup
    session: int
    date: dt.date
    scores: Mapping[str, Mapping[str, int]]
    pgic: int | None = None
    medications: Sequence[Mapping[str, Any]] = ()
    public_id: str = ""
    source: str = "measurement"  # or "intake" for a baseline read from the intake
    # The diary day whose medicines stand in for none recorded at this timepoint.
    medications_from_diary: dt.date | None = None


@dataclass(frozen=True)
class Course:
    icd10: str
    baseline: MeasurementPoint | None
    sessions: list[SessionPoint]
    measurements: list[MeasurementPoint] = field(default_factory=list)
    payer: str = ""

    @property
    def sessions_delivered(self) -> int:
        return len(self.sessions)


def number_sessions(rows: Iterable[tuple[dt.date, int, int, Any]]) -> list[tuple[int, Any]]:
    """Rows of (date, plan order, number in plan, session) → (episode number, session),
    oldest first. A newer plan restarts its own numbering; the course does not."""
    ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    return [(i, row[3]) for i, row in enumerate(ordered, 1)]


# How far back a diary day may stand for the medicines at a timepoint: two weeks, so a
# weekly course's last diary week counts and an old one never stands for today.
DIARY_MEDICATION_DAYS = 14


def with_diary_medications(
    points: Sequence[MeasurementPoint], diary: Iterable[tuple[dt.date, Sequence[Mapping[str, Any]]]]
) -> list[MeasurementPoint]:
    """Each review, discharge and follow-up with no medicines recorded takes those of the
    latest diary day in the two weeks up to it (docs/outcomes-app.md). What the
    practitioner recorded at the timepoint wins: it was gone through with the patient and
    covers every medicine, where a diary day is one day's self-report."""
    days = sorted(diary, key=lambda d: d[0])
    found: list[MeasurementPoint] = []
    for point in points:
        if point.kind == "baseline" or point.medications:
            found.append(point)
            continue
        earliest = point.date - dt.timedelta(days=DIARY_MEDICATION_DAYS)
        recent = [d for d in days if earliest < d[0] <= point.date]
        if not recent:
            found.append(point)
            continue
        day, medications = recent[-1]
        found.append(
            dataclasses.replace(
                point,
                medications=[dict(m) for m in medications],
                medications_from_diary=day,
            )
        )
    return found


def timepoints(course: Course) -> list[dict[str, Any]]:
    """The course's timepoints in the contract's order."""
    if course.baseline is None:
        return []
    rows: list[tuple[int, int, dt.date, dict[str, Any]]] = []
    for s in course.sessions:
        point: dict[str, Any] = {"kind": "session", "session": s.number, "date": s.date.isoformat()}
        if s.pain_before is not None:
            point["pain_before"] = s.pain_before
        if s.pain_after is not None:
            point["pain_after"] = s.pain_after
        rows.append((s.number, _ORDER["session"], s.date, point))
    for m in course.measurements:
        rows.append((m.session, _ORDER[m.kind], m.date, measurement_timepoint(m)))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    # Dates never go backwards: a measurement keyed to session n but dated before it
    # (entered late, or a clock error) would break the contract, so the last date holds.
    ordered = [measurement_timepoint(course.baseline)]
    ordered[0]["session"] = 0
    last = course.baseline.date
    for _, _, date, point in rows:
        if date < last:
            point["date"] = last.isoformat()
        else:
            last = date
        ordered.append(point)
    return ordered


def measurement_timepoint(m: MeasurementPoint) -> dict[str, Any]:
    point: dict[str, Any] = {"kind": m.kind, "session": m.session, "date": m.date.isoformat()}
    if m.scores:
        point["scores"] = {k: dict(v) for k, v in m.scores.items()}
    if m.pgic is not None and m.kind != "baseline":
        point["pgic"] = m.pgic
    # A diary day with no medicines says none was taken, so its empty list is kept.
    if m.medications or m.medications_from_diary is not None:
        point["medications"] = [dict(x) for x in m.medications]
    return point


def course_document(course: Course) -> dict[str, Any] | None:
    """The `acucare.course/1` document, or None before a baseline exists."""
    points = timepoints(course)
    if not points:
        return None
    document: dict[str, Any] = {
        "format": COURSE_FORMAT,
        "condition": {"icd10": course.icd10},
        "timepoints": points,
    }
    if course.payer:
        document["payer"] = course.payer
    return document


@dataclass(frozen=True)
class Due:
    """A measurement the schedule asks for and that is not recorded yet."""

    kind: str
    label: str
    instruments: list[str]
    session: int | None = None
    due_on: dt.date | None = None
    now: bool = False  # due at this visit (rather than later)


def due_measurements(
    schedule: Sequence[Mapping[str, Any]],
    *,
    sessions_delivered: int,
    recorded: Sequence[MeasurementPoint],
    discharged_on: dt.date | None,
    today: dt.date,
) -> list[Due]:
    """What the schedule still asks for: the review at or after the sessions delivered,
    the discharge set at the end of the course, and after discharge the follow-ups."""
    if discharged_on is None:
        return _due_in_course(schedule, sessions_delivered, recorded)
    return _due_after_discharge(schedule, recorded, discharged_on, today)


def _due_in_course(
    schedule: Sequence[Mapping[str, Any]],
    delivered: int,
    recorded: Sequence[MeasurementPoint],
) -> list[Due]:
    done = {(m.kind, m.session) for m in recorded}
    sessions = [t for t in schedule if t["kind"] == "session" and t.get("session")]
    planned = max((t["session"] for t in sessions), default=0)
    found = [
        Due("session", f"At session {t['session']}", t["instruments"], t["session"])
        for t in sessions
        if t["session"] == delivered + 1
    ]
    reviews = [
        t
        for t in schedule
        if t["kind"] == "review"
        and t.get("session") is not None
        and t["session"] >= delivered
        and ("review", t["session"]) not in done
    ]
    if reviews:
        t = reviews[0]
        found.append(
            Due(
                "review",
                f"Review after session {t['session']}",
                t["instruments"],
                t["session"],
                now=t["session"] == delivered,
            )
        )
    if planned and delivered >= planned:
        found.extend(
            Due("discharge", "At discharge", t["instruments"], planned, now=True)
            for t in schedule
            if t["kind"] == "discharge"
        )
    return found


def _due_after_discharge(
    schedule: Sequence[Mapping[str, Any]],
    recorded: Sequence[MeasurementPoint],
    discharged_on: dt.date,
    today: dt.date,
) -> list[Due]:
    done = [m.date for m in recorded if m.kind == "followup"]
    found: list[Due] = []
    for t in schedule:
        days = t.get("days_after_discharge")
        if t["kind"] != "followup" or not isinstance(days, int):
            continue
        due_on = discharged_on + dt.timedelta(days=days)
        # A follow-up recorded within a month either side of its date counts as done.
        if any(abs((d - due_on).days) <= 31 for d in done):
            continue
        found.append(
            Due(
                "followup",
                f"Follow-up {_months(days)} after discharge",
                t["instruments"],
                due_on=due_on,
                now=today >= due_on - dt.timedelta(days=14),
            )
        )
    return found


def _months(days: int) -> str:
    months = round(days / 30.4)
    return f"{months} month{'s' if months != 1 else ''}" if months else f"{days} days"


def followups(
    schedule: Sequence[Mapping[str, Any]], discharged_on: dt.date
) -> list[dict[str, Any]]:
    """The follow-up dates a discharge schedules, from the schedule's follow-up timepoints."""
    return [
        {
            "due": (discharged_on + dt.timedelta(days=t["days_after_discharge"])).isoformat(),
            "days": t["days_after_discharge"],
            "instruments": list(t["instruments"]),
        }
        for t in schedule
        if t["kind"] == "followup" and isinstance(t.get("days_after_discharge"), int)
    ]
