"""The review engine: read a parsed course against the knowledge base and recommend.

Everything clinical is read from records: change tiers from the instruments (IMMPACT and
each instrument's minimal important difference, with the floor rules, through
`classify_change`), PGIC tiers from the PGIC scale, opioid conversion factors from
``knowledge/opioid_conversions`` (CDC 2022), the recommendation from the decision table in
``knowledge/review_rules``, and Medicare's visit limits from the condition's
``coverage_limits`` (NCD 30.3.3), the same record the planner reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from acucare.domain.outcomes.course import PGIC, Course, MedicationDose, Timepoint
from acucare.domain.scoring import classify_change, instrument_tables
from acucare.kb.records.conditions import Condition
from acucare.kb.records.instruments import Instrument
from acucare.kb.records.medications import classify_medication
from acucare.kb.records.opioid_conversions import OPIOID_CLASS, conversion_for
from acucare.kb.records.protocols import Protocol
from acucare.kb.records.review_rules import (
    IMPROVING,
    TIER_OF_CATEGORY,
    Action,
    PrimaryState,
    ReviewFacts,
    ReviewRule,
    Tier,
    decide,
    ordered_rules,
)
from acucare.kb.registry import Registry

RESPONDER_TIERS: frozenset[str] = frozenset({"substantial_improvement", "moderate_improvement"})
# Facts derived from one knowledge base, computed once per (kb version, key).
_DERIVED: dict[tuple[str, str], object] = {}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One instrument, baseline against its latest measurement after baseline."""

    instrument: str
    baseline: float
    latest: float | None  # None: not measured again since baseline
    change: float | None
    percent_change: float | None
    tier: Tier | None  # None: not measured again, or no verified minimal important change
    message: str
    citations: tuple[str, ...]
    baseline_band: str | None = None
    latest_band: str | None = None
    latest_timepoint: int | None = None  # index in the course document


@dataclass(frozen=True, slots=True)
class PrimaryOutcome:
    outcome: Outcome
    state: PrimaryState
    responder: bool


@dataclass(frozen=True, slots=True)
class PgicOutcome:
    value: int
    tier: Tier | None
    label: str
    timepoint: int
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MedicationOutcome:
    baseline_mme: float | None  # None: medications not recorded at baseline
    latest_mme: float | None  # None: not recorded after baseline
    not_converted: tuple[str, ...]  # names that could not be converted (unknown or no factor)
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewFlag:
    code: str
    message: str
    timepoint: int  # the first timepoint that raised it
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: Action
    why: str
    citations: tuple[str, ...]
    rule: str  # id@version of the review rule that decided


@dataclass(frozen=True, slots=True)
class PayerLimits:
    payer: Literal["medicare"]
    policy: str
    covered_sessions_left: int | None
    why: str
    citations: tuple[str, ...]
    used_up: bool = False  # every visit the payer allows has been delivered
    initial_window_ends: dt.date | None = None  # the last day of the initial visits' window


@dataclass(frozen=True, slots=True)
class Review:
    course: Course
    sessions_delivered: int
    primary: PrimaryOutcome
    outcomes: tuple[Outcome, ...]
    pgic: PgicOutcome | None
    medication: MedicationOutcome
    flags: tuple[ReviewFlag, ...]
    recommendation: Recommendation
    payer: PayerLimits | None
    review_point: int
    citations: tuple[str, ...]
    kb_version: str


def review_course(course: Course, registry: Registry) -> Review:
    """Review a parsed course: tiers, responder, PGIC, MME, flags, payer and the action."""
    primary = _primary(course, registry)
    outcomes = tuple(
        outcome
        for instrument in course.baseline.scores
        if instrument != course.primary
        and (outcome := _outcome(course, instrument, registry)) is not None
    )
    pgic = _pgic(course, registry)
    medication = _medication(course, registry)
    flags = _flags(course)
    rules = ordered_rules(registry)
    review_point = _review_point(course.condition, registry, rules)
    payer = _payer(course, primary, pgic, review_point)
    recommendation = _recommend(
        rules, course, primary, pgic, flags, payer, course.sessions_delivered < review_point
    )
    cited = _unique(
        primary.outcome.citations,
        *(o.citations for o in outcomes),
        pgic.citations if pgic else (),
        medication.citations,
        *(f.citations for f in flags),
        recommendation.citations,
        payer.citations if payer else (),
    )
    return Review(
        course=course,
        sessions_delivered=course.sessions_delivered,
        primary=primary,
        outcomes=outcomes,
        pgic=pgic,
        medication=medication,
        flags=flags,
        recommendation=recommendation,
        payer=payer,
        review_point=review_point,
        citations=cited,
        kb_version=registry.version,
    )


def _unique(*groups: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return tuple(seen)


def _latest_total(course: Course, instrument: str) -> tuple[Timepoint, float] | None:
    for timepoint in reversed(course.timepoints[1:]):
        result = timepoint.scores.get(instrument)
        if result is not None and result.total is not None:
            return timepoint, result.total
    return None


def _outcome(course: Course, instrument: str, registry: Registry) -> Outcome | None:
    base = course.baseline.scores[instrument]
    if base.total is None:
        return None  # an incomplete baseline gives nothing to compare with
    table = instrument_tables(registry)[instrument]
    found = _latest_total(course, instrument)
    if found is None:
        return Outcome(
            instrument=instrument,
            baseline=base.total,
            latest=None,
            change=None,
            percent_change=None,
            tier=None,
            message=f"{table.name} has not been measured again since baseline.",
            citations=(),
            baseline_band=base.band,
        )
    timepoint, latest = found
    change = classify_change(registry, instrument, base.total, latest)
    threshold_citations = change.threshold.citations if change.threshold else ()
    rule_citations = tuple(c for t in table.thresholds for c in t.citations)
    return Outcome(
        instrument=instrument,
        baseline=base.total,
        latest=latest,
        change=latest - base.total,
        percent_change=change.percent_change,
        tier=TIER_OF_CATEGORY[change.category] if change.category else None,
        message=change.message,
        citations=_unique(threshold_citations, rule_citations),
        baseline_band=change.baseline_band,
        latest_band=change.follow_up_band,
        latest_timepoint=timepoint.index,
    )


def _primary(course: Course, registry: Registry) -> PrimaryOutcome:
    outcome = _outcome(course, course.primary, registry)
    assert outcome is not None  # parse_course insists on a complete primary baseline
    state: PrimaryState
    if outcome.latest is None:
        state = "not_measured"
    elif outcome.tier is None:
        state = "not_interpretable"
    else:
        state = outcome.tier
    return PrimaryOutcome(outcome, state, outcome.tier in RESPONDER_TIERS)


def _pgic(course: Course, registry: Registry) -> PgicOutcome | None:
    latest = next((t for t in reversed(course.timepoints) if t.pgic is not None), None)
    if latest is None or latest.pgic is None:
        return None
    table = instrument_tables(registry)[PGIC]
    _code, label, category = table.categories[latest.pgic]
    tier = TIER_OF_CATEGORY[category] if category else None
    return PgicOutcome(latest.pgic, tier, label, latest.index, _pgic_citations(registry))


def _pgic_citations(registry: Registry) -> tuple[str, ...]:
    key = (registry.version, "pgic_citations")
    cached = _DERIVED.get(key)
    if cached is None:
        record = registry.of(Instrument).get(PGIC)
        cited: tuple[str, ...] = ()
        if record is not None:
            scale = record.item_scale(record.items[0])
            cited = tuple(ref.id for ref in scale.citations if ref.evidence != "unverified")
        _DERIVED[key] = cached = cited
    return cast(tuple[str, ...], cached)


def _mme(
    doses: tuple[MedicationDose, ...], registry: Registry, missed: dict[str, None]
) -> tuple[float, tuple[str, ...]]:
    total = 0.0
    cited: list[str] = []
    for dose in doses:
        conversion = conversion_for(registry, dose.name)
        if conversion is None:
            classes = classify_medication(registry, dose.name)
            if not classes or OPIOID_CLASS in classes:
                missed.setdefault(dose.name, None)  # unknown, or an opioid without a factor
            continue
        if conversion.unit == "mg_per_day" and dose.dose_mg is not None:
            assert dose.doses_per_day is not None
            total += dose.dose_mg * dose.doses_per_day * conversion.factor
        elif conversion.unit == "mcg_per_hour" and dose.dose_mcg_per_hour is not None:
            total += dose.dose_mcg_per_hour * conversion.factor
        else:
            missed.setdefault(dose.name, None)  # a dose in a unit the factor does not take
            continue
        cited.extend(conversion.citations)
    return round(total, 1), tuple(cited)


def daily_mme(
    doses: Sequence[MedicationDose], registry: Registry
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """A day's MME of `doses`, the citations of the factors used, and the medicines that
    could not be converted (the one conversion the review and the portal diary share)."""
    missed: dict[str, None] = {}
    total, cited = _mme(tuple(doses), registry, missed)
    return total, _unique(cited), tuple(missed)


def _medication(course: Course, registry: Registry) -> MedicationOutcome:
    missed: dict[str, None] = {}
    cited: list[str] = []
    baseline = None
    if course.baseline.medications is not None:
        baseline, used = _mme(course.baseline.medications, registry, missed)
        cited.extend(used)
    latest = None
    later = next((t for t in reversed(course.timepoints[1:]) if t.medications is not None), None)
    if later is not None and later.medications is not None:
        latest, used = _mme(later.medications, registry, missed)
        cited.extend(used)
    return MedicationOutcome(baseline, latest, tuple(missed), _unique(cited))


def _flags(course: Course) -> tuple[ReviewFlag, ...]:
    found: dict[str, ReviewFlag] = {}
    for timepoint in course.timepoints:
        for result in timepoint.scores.values():
            for flag in result.flags:
                if flag.code not in found:
                    found[flag.code] = ReviewFlag(
                        flag.code, flag.message, timepoint.index, flag.citations
                    )
    return tuple(found.values())


def _review_point(
    condition: Condition | None, registry: Registry, rules: tuple[ReviewRule, ...]
) -> int:
    """The session of the first review: the condition's protocols, else the rule's default."""
    key = (registry.version, f"review_point:{condition.id if condition else ''}")
    cached = _DERIVED.get(key)
    if cached is None:
        _DERIVED[key] = cached = _find_review_point(condition, registry, rules)
    return cast(int, cached)


def _find_review_point(
    condition: Condition | None, registry: Registry, rules: tuple[ReviewRule, ...]
) -> int:
    if condition is not None:
        points = [
            p.course.review_after_session
            for p in registry.of(Protocol).values()
            if p.status == "active" and condition.id in p.conditions
        ]
        if points:
            return min(points)
    defaults = [r.default_review_point for r in rules if r.default_review_point is not None]
    return defaults[0] if defaults else 1


def _payer(
    course: Course, primary: PrimaryOutcome, pgic: PgicOutcome | None, review_point: int
) -> PayerLimits | None:
    if course.payer != "medicare":
        return None
    condition = course.condition
    limits = condition.coverage("CMS") if condition is not None else None
    if limits is None:
        return _not_covered(condition)
    cited = tuple(ref.id for ref in limits.citations if ref.evidence != "unverified")
    delivered = course.sessions_delivered
    regressing = primary.state == "worse" or (pgic is not None and pgic.tier == "worse")
    improving = primary.state in IMPROVING and not regressing
    judged = primary.state != "not_measured" and delivered >= review_point
    window = _initial_window(course, limits.initial_window_days)
    # The initial visits count only within the window; the 8 extra visits follow them (all
    # used, or the window closed), and only for a patient who is improving.
    initial = limits.initial_visits
    if window.closed:
        initial = min(initial, window.used)
    allowed = initial
    if (delivered >= limits.initial_visits or window.closed) and improving:
        allowed += limits.extension_visits
    allowed = min(allowed, limits.annual_max_visits)
    used_up = delivered >= allowed
    if regressing or (judged and not improving):
        stop = " or ".join(s.replace("_", " ") for s in limits.stop_when)
        why = (
            f"Medicare ({limits.policy}) requires treatment to stop when the patient is {stop}: "
            "no further visits are covered."
        )
        return PayerLimits("medicare", limits.policy, 0, why, cited, used_up, window.ends)
    why = (
        f"{min(delivered, allowed)} of {allowed} covered visits used"
        + (f" and {delivered - allowed} more delivered" if delivered > allowed else "")
        + f": Medicare ({limits.policy}) covers up "
        f"to {limits.initial_visits} visits in {limits.initial_window_days} days"
        f"{window.describe(limits.initial_window_days)}, then "
        f"{limits.extension_visits} more only for a patient who is improving"
        + (" (this patient is, so far)" if improving else "")
        + f"; no more than {limits.annual_max_visits} a year."
    )
    return PayerLimits(
        "medicare",
        limits.policy,
        max(0, allowed - delivered),
        why,
        cited,
        used_up,
        window.ends,
    )


def _not_covered(condition: Condition | None) -> PayerLimits:
    if condition is None:
        why = (
            "Give the condition's ICD-10-CM code: Medicare covers acupuncture only for "
            "chronic low back pain (NCD 30.3.3)."
        )
    else:
        why = (
            "Medicare covers acupuncture only for chronic low back pain (NCD 30.3.3), "
            f"not for {condition.name.lower()}."
        )
    return PayerLimits(
        "medicare",
        "NCD 30.3.3",
        0 if condition is not None else None,
        why,
        ("cms_ncd_30_3_3", "cms_ncd_30_3"),
    )


@dataclass(frozen=True, slots=True)
class _Window:
    """The payer's initial window (NCD 30.3.3: 12 visits in 90 days), read from the dates.

    It opens on the first session's date. When the course does not date session 1 itself,
    it opens on the last timepoint before any session (the earliest the first session can
    have been): the narrower window, so that an unknown date never grants more visits.
    """

    opens: dt.date | None  # None: no session delivered yet
    exact: bool  # the course dates the first session itself
    ends: dt.date | None  # the window's last day
    closed: bool  # the latest timepoint is after the window
    used: int  # sessions known to be delivered within the window

    def describe(self, days: int) -> str:
        if self.opens is None or self.ends is None:
            return " from the first session"
        start = (
            f"the first session on {self.opens.isoformat()}"
            if self.exact
            else f"{self.opens.isoformat()} (the first session is not dated: counted from the "
            "last timepoint before it)"
        )
        if not self.closed:
            return f"; the {days} days from {start} run to {self.ends.isoformat()}"
        return (
            f"; the {days} days from {start} ended on {self.ends.isoformat()}, "
            f"with {self.used} visit{'s' if self.used != 1 else ''} known to fall in them"
        )


def _initial_window(course: Course, days: int) -> _Window:
    points = course.timepoints
    first = next((i for i, t in enumerate(points) if t.session >= 1), None)
    if first is None:
        return _Window(None, False, None, False, 0)
    exact = points[first].kind == "session" and points[first].session == 1
    opens = points[first].date if exact else points[first - 1].date
    ends = opens + dt.timedelta(days=days - 1)
    used = max((t.session for t in points if t.date <= ends), default=0)
    return _Window(opens, exact, ends, course.latest.date > ends, used)


def _recommend(
    rules: tuple[ReviewRule, ...],
    course: Course,
    primary: PrimaryOutcome,
    pgic: PgicOutcome | None,
    flags: tuple[ReviewFlag, ...],
    payer: PayerLimits | None,
    early: bool,
) -> Recommendation:
    facts = ReviewFacts(
        primary=primary.state,
        pgic=pgic.tier if pgic is not None else None,
        flags=frozenset(f.code for f in flags),
        latest_kind=course.latest.kind,
        payer=course.payer,
        early=early,
        coverage_used_up=payer is not None and payer.used_up,
    )
    rule = decide(rules, facts)
    if rule is None:
        # `kb check` insists that the last rule always holds; fail closed if it ever did not.
        return Recommendation(
            "modify", "No review rule applied: review the plan with the patient.", (), "none"
        )
    return Recommendation(
        rule.action,
        rule.why,
        tuple(ref.id for ref in rule.citations if ref.evidence != "unverified"),
        rule.ref,
    )
