"""The measurement schedule of a course: what is due at baseline, each session, each
review, discharge and the follow-ups, from the condition's measurement set in the
knowledge base (``knowledge/measurement_sets``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from acucare.domain.errors import InputError
from acucare.kb.records.conditions import Condition
from acucare.kb.records.measurement_sets import (
    DEFAULT,
    Domain,
    Kind,
    MeasuredDomain,
    measurement_set,
)
from acucare.kb.registry import Registry


@dataclass(frozen=True, slots=True)
class DueMeasure:
    """One domain due at a timepoint: its instruments (possibly none), why and sources."""

    domain: Domain
    instruments: tuple[str, ...]
    why: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScheduledMeasurement:
    kind: Kind
    session: int | None  # the session it falls at (0 = baseline); None for follow-ups
    days_after_discharge: int | None  # follow-ups only
    instruments: tuple[str, ...]  # every instrument due, in domain order
    measures: tuple[DueMeasure, ...]
    why: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MeasurementSchedule:
    condition_group: str  # the group asked for
    measurement_set: str  # id@version of the set used (the group's own, or the default)
    planned_sessions: int
    timepoints: tuple[ScheduledMeasurement, ...]


_WHY: dict[str, str] = {
    "baseline": "Baseline at intake: every later measurement is compared with it.",
    "session": "Before each session: the pain measure, for the session-by-session trajectory.",
    "review": "Review: the full set, read against baseline to decide whether to continue.",
    "discharge": "Discharge: the final outcomes and tier of the course.",
    "followup": "Follow-up after discharge: does the benefit last?",
}


def _due(domains: tuple[MeasuredDomain, ...], kind: Kind) -> tuple[DueMeasure, ...]:
    return tuple(
        DueMeasure(
            d.domain,
            d.instruments,
            d.why,
            tuple(ref.id for ref in d.citations if ref.evidence != "unverified"),
        )
        for d in domains
        if kind in d.at
    )


def _point(
    kind: Kind,
    session: int | None,
    days: int | None,
    measures: tuple[DueMeasure, ...],
    why: str,
    extra: tuple[str, ...] = (),
) -> ScheduledMeasurement:
    instruments = tuple(dict.fromkeys(i for m in measures for i in m.instruments))
    cited = tuple(dict.fromkeys([*(c for m in measures for c in m.citations), *extra]))
    return ScheduledMeasurement(kind, session, days, instruments, measures, why, cited)


def measurement_schedule(
    condition_group: str,
    planned_sessions: int,
    review_after: Sequence[int],
    registry: Registry,
) -> MeasurementSchedule:
    """The schedule of a course of `planned_sessions` reviewed after each of `review_after`.

    Raises `InputError` naming `condition_group`, `planned_sessions` or
    ``review_after[i]`` for values outside what is allowed.
    """
    groups = sorted(registry.of(Condition))
    if condition_group not in groups and condition_group != DEFAULT:
        raise InputError(
            field="condition_group",
            message=f"unknown condition group {condition_group!r}",
            allowed=[*groups, DEFAULT],
        )
    if type(planned_sessions) is not int or planned_sessions < 1:
        raise InputError(
            field="planned_sessions",
            message="planned_sessions is a whole number of sessions, 1 or more",
            allowed={"min": 1},
        )
    reviews: list[int] = []
    for index, after in enumerate(review_after):
        if type(after) is not int or not 1 <= after <= planned_sessions:
            raise InputError(
                field=f"review_after[{index}]",
                message=f"a review falls after a session from 1 to {planned_sessions}",
                allowed={"min": 1, "max": planned_sessions},
            )
        reviews.append(after)
    record = measurement_set(registry, condition_group)
    domains = record.domains
    review_sessions = sorted(set(reviews) - {planned_sessions})
    points: list[ScheduledMeasurement] = [
        _point("baseline", 0, None, _due(domains, "baseline"), _WHY["baseline"])
    ]
    session_due = _due(domains, "session")
    review_due = _due(domains, "review")
    for number in range(1, planned_sessions + 1):
        points.append(_point("session", number, None, session_due, _WHY["session"]))
        if number in review_sessions:
            points.append(
                _point(
                    "review", number, None, review_due, f"{_WHY['review']} (after session {number})"
                )
            )
    points.append(
        _point("discharge", planned_sessions, None, _due(domains, "discharge"), _WHY["discharge"])
    )
    follow_cites = tuple(
        ref.id for ref in record.followup_citations if ref.evidence != "unverified"
    )
    for days in record.followup_days:
        points.append(
            _point(
                "followup",
                None,
                days,
                _due(domains, "followup"),
                f"{record.followup_why} ({days} days after discharge)",
                follow_cites,
            )
        )
    return MeasurementSchedule(condition_group, record.ref, planned_sessions, tuple(points))
