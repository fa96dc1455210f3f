"""Review points: when to judge the course, against what threshold, and what to do if not met.

Thresholds are read from the knowledge base, never stated here: the pain threshold (IMMPACT
30 %) from the NRS record's change rule, the headache responder definition (50 % fewer days)
from the condition's `meaningful_change`, and the payer's visit limits from the condition's
`coverage_limits`. What a PGIC answer means at the review is asked of the review engine's
own decision table (`acucare.kb.records.review_rules.decide`), so that the plan promises
nothing the review would not do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acucare.domain.planning.parts import GuidelineCourse, Review
from acucare.kb.records.base import CitationRef, acts_on
from acucare.kb.records.conditions import Condition, CoverageLimits, MeaningfulChange
from acucare.kb.records.instruments import ChangeThreshold, Instrument
from acucare.kb.records.protocols import Protocol
from acucare.kb.records.review_rules import (
    TIER_OF_CATEGORY,
    Action,
    ReviewFacts,
    ReviewRule,
    Tier,
    decide,
)

HEADACHE_GROUPS = ("migraine", "tension_type_headache")


@dataclass(frozen=True, slots=True)
class Baseline:
    """The primary pain measure at intake: which instrument, which part, and its value."""

    instrument: str  # nrs or peg
    measure: str
    value: float | None


def primary_measure(answers: Mapping[str, Mapping[str, object]]) -> Baseline:
    """Pain intensity on 0–10: the NRS if given, else the PEG's first item (average pain)."""
    nrs = answers.get("nrs", {}).get("1")
    if isinstance(nrs, int) and not isinstance(nrs, bool):
        return Baseline("nrs", "pain intensity, 0–10", float(nrs))
    peg = answers.get("peg", {}).get("1")
    if isinstance(peg, int) and not isinstance(peg, bool):
        return Baseline("peg", "item 1, average pain in the past week, 0–10", float(peg))
    return Baseline("nrs", "pain intensity, 0–10", None)


def pain_threshold(instruments: Mapping[str, Instrument]) -> ChangeThreshold | None:
    """The NRS record's percentage threshold for an important improvement (IMMPACT)."""
    nrs = instruments.get("nrs")
    if nrs is None or nrs.change is None:
        return None
    for threshold in nrs.change.thresholds:
        if (
            threshold.tier == "better"
            and threshold.kind == "percent"
            and acts_on(threshold.citations)
        ):
            return threshold
    return None


def pain_floor(instruments: Mapping[str, Instrument]) -> float:
    """The NRS record's smallest important change in points (its minimal important
    difference), 0 when it has no acting points threshold. A fall smaller than this is no
    important change whatever its percentage (the review's floor rule, Dworkin 2008)."""
    nrs = instruments.get("nrs")
    if nrs is None or nrs.change is None:
        return 0.0
    points = [t.value for t in nrs.change.thresholds if t.kind == "points" and acts_on(t.citations)]
    return min(points) if points else 0.0


def pain_target(baseline: float, percent: float, floor: float) -> float | None:
    """The highest pain score that the review will read as an important improvement: at
    least `percent` % below the baseline and at least `floor` points below it. None when
    the baseline is too low for such a fall (0–10 scale)."""
    target = min(baseline * (1 - percent / 100), baseline - floor)
    return None if target < 0 else round(target, 1)


def _target_words(baseline: float | None, target: float | None, floor: float) -> str:
    if baseline is None:
        return " (record a baseline at the first session)"
    if target is None:
        return (
            f" cannot fall by the {_fmt(floor)} points an important change needs from a"
            f" baseline of {_fmt(baseline)}: judge the course by the patient's global"
            " impression and function instead"
        )
    return f" of {_fmt(target)} or lower (baseline {_fmt(baseline)})"


# What the review does, in the words of a plan's review text.
_ACTION_WORDS: dict[Action, str] = {
    "continue": "the course continues as planned",
    "modify": (
        "the plan is reviewed with them (points, dose, the other components) rather than "
        "continued unchanged"
    ),
    "stop": "acupuncture stops",
    "refer": "they are referred",
    "discharge": "they are discharged with the outcome recorded",
}


def pgic_at_review(
    instruments: Mapping[str, Instrument], rules: tuple[ReviewRule, ...]
) -> tuple[str, tuple[CitationRef, ...]]:
    """What the review does when the patient rates themselves improved on the PGIC while
    pain has not fallen by an important amount, read from the review-rule decision table;
    with the PGIC scale's sources. Empty when the PGIC has no acting improvement answers."""
    pgic = instruments.get("pgic")
    if pgic is None:
        return "", ()
    for scale in pgic.scales:
        if not acts_on(scale.citations):
            continue
        options = [o for o in scale.options if o.change in ("better", "much_better")]
        if not options:
            continue
        actions = {
            _action(rules, TIER_OF_CATEGORY[o.change]) for o in options if o.change is not None
        }
        if len(actions) != 1 or None in actions:
            continue
        (action,) = actions
        assert action is not None
        labels = " or ".join(
            f"{o.label.lower()} (answer {o.code})" if o.label else f"answer {o.code}"
            for o in options
        )
        text = (
            f"A patient who rates themselves {labels} on the PGIC while pain has not fallen "
            f"this much has not met it: {_ACTION_WORDS[action]}."
        )
        if action == "continue":
            text = f"A patient who rates themselves {labels} on the PGIC has met it."
        return text, scale.citations
    return "", ()


def _action(rules: tuple[ReviewRule, ...], pgic_tier: Tier) -> Action | None:
    rule = decide(rules, ReviewFacts(primary="no_important_change", pgic=pgic_tier))
    return rule.action if rule is not None else None


def _change(condition: Condition | None, measure: str, *levels: str) -> MeaningfulChange | None:
    if condition is None:
        return None
    for level in levels:
        for change in condition.meaningful_change:
            if (
                change.measure == measure
                and change.level == level
                and change.status == "active"
                and acts_on(change.citations)
            ):
                return change
    return None


def _ids(*groups: tuple[CitationRef, ...]) -> tuple[str, ...]:
    cited: list[str] = []
    for refs in groups:
        cited.extend(ref.id for ref in refs if ref.evidence != "unverified")
    return tuple(dict.fromkeys(cited))


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def build_reviews(
    protocol: Protocol,
    condition: Condition | None,
    baseline: Baseline,
    instruments: Mapping[str, Instrument],
    rules: tuple[ReviewRule, ...],
    *,
    alternative: str | None,
    chronic: bool | None,
    pregnant: bool,
) -> list[Review]:
    course = protocol.course
    pain = pain_threshold(instruments)
    pgic_text, pgic_sources = pgic_at_review(instruments, rules)
    reviews: list[Review] = []
    change_away = (
        f"try the other protocol for this condition, {alternative}"
        if alternative
        else "re-examine the diagnosis and the point selection"
    )
    if pain is not None:
        percent = pain.value
        floor = pain_floor(instruments)
        target = None if baseline.value is None else pain_target(baseline.value, percent, floor)
        measured = _target_words(baseline.value, target, floor)
        floor_words = f", and at least {_fmt(floor)} points," if floor else ""
        success = (
            f"At least {_fmt(percent)} % less pain{floor_words}: "
            f"{baseline.instrument.upper()} {baseline.measure}{measured}."
        )
        if pgic_text:
            success += " " + pgic_text
        reviews.append(
            Review(
                after_session=course.review_after_session,
                kind="response",
                instrument=baseline.instrument,
                measure=baseline.measure,
                baseline=baseline.value,
                target=target,
                success=success,
                if_not_met=(
                    "If pain has not improved, change approach — "
                    f"{change_away}, or give more weight to the other components of this plan — "
                    "or stop acupuncture: continuing a course that is not helping is not supported."
                ),
                why=course.review_note,
                citations=_ids(pain.citations, pgic_sources),
            )
        )
    if condition is not None and condition.id in HEADACHE_GROUPS:
        days = _change(condition, "headache_days", "trial_responder", "clinically_important")
        if days is None:
            days = _change(condition, "migraine_frequency", "trial_responder", "moderate")
        if days is not None and days.percent is not None:
            reviews.append(
                Review(
                    after_session=course.review_after_session,
                    kind="response",
                    instrument="headache_diary",
                    measure="headache days in the last 4 weeks",
                    success=(
                        f"At least {_fmt(days.percent)} % fewer headache days than in the 4 weeks"
                        " before treatment (keep a headache diary from the first session)."
                    ),
                    if_not_met=(
                        "If headache days have not fallen, discuss stopping or another approach "
                        "with the patient and their doctor."
                    ),
                    why=days.detail,
                    citations=_ids(days.citations),
                )
            )
    extension = course.extension
    reviews.append(
        Review(
            after_session=course.sessions,
            kind="course_end",
            instrument=baseline.instrument,
            measure=baseline.measure,
            baseline=baseline.value,
            target=reviews[0].target if reviews else None,
            success="The improvement at the first review is kept or has grown.",
            if_not_met=(
                "Stop the course and record the outcome; do not start a new course unchanged."
            ),
            why="The end of the protocol's course.",
            citations=tuple(ref.id for ref in protocol.citations if ref.evidence != "unverified"),
            if_partly_met=None
            if extension is None
            else (
                f"If {extension.when}, up to {extension.extra_sessions} more sessions,"
                " as the trial allowed."
            ),
        )
    )
    if condition is not None:
        limits = condition.coverage("CMS")
        if limits is not None:
            reviews.extend(_coverage(limits, chronic=chronic, pregnant=pregnant))
    order = {"response": 0, "course_end": 1, "coverage_limit": 2}
    reviews.sort(key=lambda r: (r.after_session, order.get(r.kind, 3)))
    return reviews


def _coverage(limits: CoverageLimits, *, chronic: bool | None, pregnant: bool) -> list[Review]:
    cited = tuple(ref.id for ref in limits.citations if ref.evidence != "unverified")
    applies = (
        f"The patient's acupuncture is billed to US Medicare ({limits.policy}): pain for "
        f"{limits.min_duration_weeks} weeks or more, with no identifiable systemic cause, not "
        "associated with surgery or pregnancy."
    )
    if chronic is False:
        applies += (
            f" This pain has lasted less than {limits.min_duration_weeks} weeks: not covered."
        )
    if pregnant:
        applies += " If the back pain is associated with the pregnancy, Medicare does not cover it."
    stop = " or ".join(s.replace("_", " ") for s in limits.stop_when)
    total = limits.initial_visits + limits.extension_visits
    return [
        Review(
            after_session=limits.initial_visits,
            kind="coverage_limit",
            applies_if=applies,
            instrument=None,
            success=(
                f"Improvement documented by visit {limits.initial_visits} (within "
                f"{limits.initial_window_days} days of starting)."
            ),
            if_not_met=(
                f"Medicare allows {limits.extension_visits} more visits only for patients who "
                f"are improving; treatment must stop if the patient is {stop}."
            ),
            why=limits.detail,
            citations=cited,
        ),
        Review(
            after_session=min(total, limits.annual_max_visits),
            kind="coverage_limit",
            applies_if=applies,
            instrument=None,
            success="Improvement continues to be documented.",
            if_not_met=(
                f"No more than {limits.annual_max_visits} acupuncture treatments a year are "
                "covered; stop at once if the patient is not improving or is regressing."
            ),
            why=limits.open_questions,
            citations=cited,
        ),
    ]


def guideline_courses(protocol: Protocol, condition: Condition | None) -> list[GuidelineCourse]:
    """The protocol's course set beside the course a guideline speaks of (NICE CG150, NG193)."""
    if condition is None:
        return []
    course = protocol.course
    checks: list[GuidelineCourse] = []
    for position in condition.guidelines:
        limit = position.course
        if limit is None or position.status != "active" or not acts_on(position.citations):
            continue
        name = f"{position.body} {position.guideline.split(' ')[0]}"
        parts: list[str] = []
        within = True
        if limit.max_sessions is not None:
            weeks = ""
            if limit.min_weeks is not None and limit.max_weeks is not None:
                weeks = f" over {limit.min_weeks}–{limit.max_weeks} weeks"
            parts.append(f"{name} speaks of up to {limit.max_sessions} sessions{weeks}")
            if course.sessions > limit.max_sessions:
                within = False
        if limit.max_clinician_hours is not None:
            minutes = limit.max_clinician_hours * 60 / course.sessions
            single = "one course of " if limit.single_course else ""
            parts.append(
                f"{name} allows {single}at most {_fmt(limit.max_clinician_hours)} hours of "
                f"clinician time: with {course.sessions} sessions, at most {minutes:.0f} minutes"
                " each, everything included"
            )
            if protocol.retention_minutes is not None and protocol.retention_minutes > minutes:
                within = False
        if not parts:
            continue
        verdict = (
            f"this protocol's course ({course.sessions} sessions over {_fmt(course.weeks)} weeks)"
            + (
                " fits within it."
                if within
                else " is longer; where that guideline applies, use its course."
            )
        )
        checks.append(
            GuidelineCourse(
                guideline=position.guideline,
                jurisdiction=position.jurisdiction,
                within=within,
                text="; ".join(parts) + "; " + verdict,
                citations=_ids(position.citations),
            )
        )
    return checks
