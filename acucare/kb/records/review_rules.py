"""Course-review rules: what to recommend at a review (continue, modify, stop, refer, discharge).

The rules are read in file order and the first whose conditions hold decides, like a
decision table (WHO SMART guidelines). A rule holds when any one of its `when` entries
holds; an entry holds when every field it gives holds. The last rule must hold always
(an empty entry), so that every course gets a recommendation. `continue` may only be
recommended for a course that is helping or too early to judge, never for one that has
worsened: `check` refuses a continue rule that could match a worsened primary measure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from acucare.kb.constraints import Ge, MinLen
from acucare.kb.records.base import (
    STRICT,
    CitationRef,
    CollectionSpec,
    NonEmptyStr,
    Problem,
    acts_on,
)

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Action = Literal["continue", "modify", "stop", "refer", "discharge"]
Tier = Literal[
    "substantial_improvement",
    "moderate_improvement",
    "minimal_improvement",
    "no_important_change",
    "worse",
]
# The primary measure may also be unmeasured since baseline, or on an instrument without
# a verified minimal important difference (not interpretable).
PrimaryState = Literal[
    "substantial_improvement",
    "moderate_improvement",
    "minimal_improvement",
    "no_important_change",
    "worse",
    "not_measured",
    "not_interpretable",
]
TimepointKind = Literal["baseline", "session", "review", "discharge", "followup"]
Payer = Literal["medicare"]
IMPROVING: frozenset[str] = frozenset(
    {"substantial_improvement", "moderate_improvement", "minimal_improvement"}
)


@dataclass(frozen=True)
class ReviewCondition:
    """One set of facts about a course; every field given must hold."""

    __pydantic_config__ = STRICT

    flags: tuple[NonEmptyStr, ...] = ()  # any of these score flags at any timepoint
    primary: tuple[PrimaryState, ...] = ()  # the primary measure's state is one of these
    pgic: tuple[Tier, ...] = ()  # the latest PGIC's tier is one of these
    latest_kind: tuple[TimepointKind, ...] = ()  # the latest timepoint's kind
    payer: Payer | None = None
    # Fewer sessions than the review point (the condition's protocol, or the rule's default).
    before_review_point: bool | None = None
    coverage_used_up: bool | None = None  # the payer covers no more sessions


@dataclass(frozen=True)
class ReviewRule:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    version: Annotated[int, Ge(1)]
    action: Action
    when: Annotated[tuple[ReviewCondition, ...], MinLen(1)]
    why: NonEmptyStr  # shown to the clinician as the reason for the recommendation
    citations: Annotated[tuple[CitationRef, ...], MinLen(1)]
    default_review_point: Annotated[int, Ge(1)] | None = None  # when no protocol says

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


COLLECTION = CollectionSpec("review_rules", ReviewRule, "id")
INDEX = "review_rules_ordered"


def build_indexes(registry: Registry) -> dict[str, tuple[ReviewRule, ...]]:
    """The rules in decision order: file by file (sorted by path), then as written."""
    rules = registry.of(ReviewRule)
    ordered = sorted(
        rules, key=lambda k: (registry.source_of("review_rules", k), _position(registry, k))
    )
    return {INDEX: tuple(rules[key] for key in ordered)}


def _position(registry: Registry, key: str) -> int:
    return list(registry.collections["review_rules"]).index(key)


def ordered_rules(registry: Registry) -> tuple[ReviewRule, ...]:
    rules: tuple[ReviewRule, ...] = registry.index(INDEX)
    return rules


# --- The decision table, read by the review engine and by the planner -------------------

# The tier an instrument's change category earns (acucare.domain.scoring.classify_change).
TIER_OF_CATEGORY: dict[str, Tier] = {
    "much_better": "substantial_improvement",
    "better": "moderate_improvement",
    "minimally_better": "minimal_improvement",
    "no_important_change": "no_important_change",
    "worse": "worse",
}


@dataclass(frozen=True)
class ReviewFacts:
    """What the review-rule decision table reads about a course, and nothing else.

    The review engine builds it from a course; the planner builds hypothetical ones to say,
    from the same table, what a review will make of an outcome (one source of truth).
    """

    primary: PrimaryState
    pgic: Tier | None = None
    flags: frozenset[str] = frozenset()
    latest_kind: TimepointKind = "review"
    payer: str | None = None
    early: bool = False  # fewer sessions than the review point
    coverage_used_up: bool = False


def _holds(condition: ReviewCondition, facts: ReviewFacts) -> bool:
    checks = (
        not condition.flags or bool(facts.flags.intersection(condition.flags)),
        not condition.primary or facts.primary in condition.primary,
        not condition.pgic or (facts.pgic is not None and facts.pgic in condition.pgic),
        not condition.latest_kind or facts.latest_kind in condition.latest_kind,
        condition.payer is None or facts.payer == condition.payer,
        condition.before_review_point is None or facts.early == condition.before_review_point,
        condition.coverage_used_up is None or facts.coverage_used_up == condition.coverage_used_up,
    )
    return all(checks)


def decide(rules: tuple[ReviewRule, ...], facts: ReviewFacts) -> ReviewRule | None:
    """The first rule of the decision table that holds for `facts` (None: none does)."""
    return next((rule for rule in rules if any(_holds(c, facts) for c in rule.when)), None)


def check(registry: Registry) -> Iterator[Problem]:
    rules = ordered_rules(registry)
    if not rules:
        yield Problem("knowledge/review_rules", "at least one review rule is needed")
        return
    for rule in rules:
        where = f"{registry.source_of('review_rules', rule.id)}: {rule.id}"
        for message in _problems(rule):
            yield Problem(where, message)
    last = rules[-1]
    if ReviewCondition() not in last.when:
        yield Problem(
            f"{registry.source_of('review_rules', last.id)}: {last.id}",
            "the last review rule must hold for every course (an empty entry in `when`)",
        )


def _problems(rule: ReviewRule) -> Iterator[str]:
    if not acts_on(rule.citations):
        yield "a review rule needs a verified or secondary source"
    uses_point = any(c.before_review_point is not None for c in rule.when)
    if uses_point and rule.default_review_point is None:
        yield "before_review_point needs default_review_point"
    if rule.action != "continue":
        return
    for index, condition in enumerate(rule.when):
        if "worse" in condition.primary:
            yield f"when[{index}]: never continue a worsened course"
        elif not condition.primary and condition.before_review_point is not True:
            yield (
                f"when[{index}]: a continue rule must name the primary states it continues "
                "(never worse) or hold only before the review point"
            )
