"""The plan's review text and the review engine say the same thing (issue 10).

The planner promises what a review will do with a PGIC answer; the review engine decides
it. Both read the review-rule decision table, so for every PGIC answer the plan names, a
real course reviewed by the engine must take the action the plan's text describes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from acucare.domain.intake import parse_intake
from acucare.domain.outcomes import review_document
from acucare.domain.planning import plan
from acucare.domain.planning.reviews import _ACTION_WORDS
from acucare.domain.scoring import classify_change
from acucare.domain.screening import screen
from acucare.kb import Registry

INTAKE = {
    "format": "acucare.intake/1",
    "patient": {"age": 54, "sex": "female"},
    "conditions": [{"icd10": "M54.50", "duration_weeks": 30}],
    "pain_sites": ["lower_back"],
    "questionnaires": {"nrs": {"1": 7}},
}


def _response_review(registry: Registry) -> dict[str, Any]:
    intake = parse_intake(INTAKE, registry)
    document = plan(intake, screen(intake, registry), registry).as_document()
    return next(r for r in document["reviews"] if r["kind"] == "response")


def _course(pgic: int) -> dict[str, Any]:
    """Pain unchanged at the review point (7 -> 7), the patient's PGIC answer `pgic`."""
    return {
        "format": "acucare.course/1", "condition": {"icd10": "M54.50"},
        "timepoints": [
            {"kind": "baseline", "date": "2026-01-05", "scores": {"nrs": {"1": 7}}},
            {"kind": "review", "session": 6, "date": "2026-02-10",
             "scores": {"nrs": {"1": 7}}, "pgic": pgic},
        ],
    }  # fmt: skip


def test_pgic_wording_in_the_plan_is_what_the_review_does(registry: Registry) -> None:
    success = _response_review(registry)["success"]
    answers = [int(code) for code in re.findall(r"\(answer (\d)\)", success)]
    assert answers == [1, 2], success  # very much and much improved
    for answer in answers:
        review: dict[str, Any] = review_document(_course(answer), registry)
        action = review["recommendation"]["action"]
        if action == "continue":
            assert "has met it" in success, (answer, success)
        else:
            assert "has not met it" in success, (answer, success)
            assert _ACTION_WORDS[action] in success, (answer, action, success)


def test_the_alternative_protocol_is_named_for_people(registry: Registry) -> None:
    if_not_met = _response_review(registry)["if_not_met"]
    assert "Cherkin 2009" in if_not_met, if_not_met
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", if_not_met), if_not_met


def _plan_review_for(registry: Registry, baseline: int) -> dict[str, Any]:
    intake = parse_intake({**INTAKE, "questionnaires": {"nrs": {"1": baseline}}}, registry)
    document = plan(intake, screen(intake, registry), registry).as_document()
    return next(r for r in document["reviews"] if r["kind"] == "response")


@pytest.mark.parametrize("baseline", range(11))
def test_the_plans_pain_target_is_an_improvement_the_review_recognises(
    registry: Registry, baseline: int
) -> None:
    """Reaching the plan's target never leaves a change the review calls unimportant: the
    target honours the minimal important difference (2 NRS points) as well as the 30 %,
    so a baseline of 5 aims at 3, not 3.5 (a 1.5-point fall is no important change)."""
    review = _plan_review_for(registry, baseline)
    target = review["target"]
    if target is None:
        assert baseline < 2
        assert "cannot fall by the 2 points" in review["success"], review["success"]
        return
    assert f" of {target:g} or lower" in review["success"]
    assert "at least 2 points" in review["success"]
    for follow_up in range(11):
        if follow_up <= target:
            change = classify_change(registry, "nrs", baseline, follow_up)
            assert change.category in ("better", "much_better"), (baseline, follow_up, change)


def test_a_baseline_of_five_aims_at_three(registry: Registry) -> None:
    assert _plan_review_for(registry, 5)["target"] == 3
    assert _plan_review_for(registry, 7)["target"] == 4.9  # 30 % is more than 2 points
