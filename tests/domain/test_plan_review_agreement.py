"""The plan's review text and the review engine say the same thing (issue 10).

The planner promises what a review will do with a PGIC answer; the review engine decides
it. Both read the review-rule decision table, so for every PGIC answer the plan names, a
real course reviewed by the engine must take the action the plan's text describes.
"""

from __future__ import annotations

import re
from typing import Any

from acucare.domain.intake import parse_intake
from acucare.domain.outcomes import review_document
from acucare.domain.planning import plan
from acucare.domain.planning.reviews import _ACTION_WORDS
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
