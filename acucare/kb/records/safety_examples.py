"""Example patients for the safety rules: an intake, optionally a session, and the outcome.

They are the rules' test cases (tests/domain/test_screening.py runs every one) and their
documentation. `kb check` requires every acting rule to be exercised by at least one
example, and no example to expect a rule that cannot act.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from acucare.kb.records.base import STRICT, CollectionSpec, NonEmptyStr, Problem
from acucare.kb.records.safety_rules import SafetyRule

if TYPE_CHECKING:
    from acucare.kb.registry import Registry

Decision = Literal[
    "proceed",
    "proceed_with_precautions",
    "refer_before_treatment",
    "urgent_referral",
]


@dataclass(frozen=True)
class ExpectedPointSide:
    __pydantic_config__ = STRICT

    code: NonEmptyStr
    side: Literal["left", "right"]


@dataclass(frozen=True)
class ExpectedScreening:
    """The screening outcome. `rules` is exact; the `*_include`/`*_exclude` lists are partial."""

    __pydantic_config__ = STRICT

    decision: Decision
    rules: tuple[NonEmptyStr, ...]
    blocked_modalities: tuple[NonEmptyStr, ...] | None = None  # exact when given
    blocked_sites: tuple[NonEmptyStr, ...] | None = None  # exact when given
    blocked_limbs: tuple[NonEmptyStr, ...] | None = None  # exact when given
    blocked_points_include: tuple[NonEmptyStr, ...] = ()
    blocked_points_exclude: tuple[NonEmptyStr, ...] = ()
    blocked_point_sides_include: tuple[ExpectedPointSide, ...] = ()
    blocked_point_sides_exclude: tuple[ExpectedPointSide, ...] = ()
    blocked_techniques_include: tuple[NonEmptyStr, ...] = ()


@dataclass(frozen=True)
class ExpectedSession:
    """The session check: `allowed`, and exactly the rules of the session's own findings."""

    __pydantic_config__ = STRICT

    allowed: bool
    rules: tuple[NonEmptyStr, ...]


@dataclass(frozen=True)
class SafetyExample:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    description: NonEmptyStr
    intake: dict[str, Any]  # an intake document exactly as a clinic would send it
    expected: ExpectedScreening
    session: dict[str, Any] | None = None  # a session document, for check-session
    expected_session: ExpectedSession | None = None


COLLECTION = CollectionSpec("safety_examples", SafetyExample, "id")


def check(registry: Registry) -> Iterator[Problem]:
    rules = registry.of(SafetyRule)
    exercised: set[str] = set()
    for key, example in registry.of(SafetyExample).items():
        where = f"{registry.source_of('safety_examples', key)}: {key}"
        named = list(example.expected.rules)
        if (example.session is None) != (example.expected_session is None):
            yield Problem(where, "give both `session` and `expected_session`, or neither")
        if example.expected_session is not None:
            named.extend(example.expected_session.rules)
        for rule_id in named:
            rule = rules.get(rule_id)
            if rule is None:
                yield Problem(where, f"expects unknown rule '{rule_id}'")
            elif not rule.acts:
                yield Problem(where, f"expects rule '{rule_id}', which cannot act (unverified)")
            else:
                exercised.add(rule_id)
    for rule_id, rule in rules.items():
        if rule.acts and rule_id not in exercised:
            where = f"{registry.source_of('safety_rules', rule_id)}: {rule_id}"
            yield Problem(where, "no example in knowledge/safety_examples exercises this rule")
