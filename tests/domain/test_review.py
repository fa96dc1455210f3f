"""The review engine against its golden cases (tests/domain/golden/reviews/*.json).

Each case cites its sources, gives an `acucare.course/1` document and either the fields
its review must have (dotted paths into the `acucare.review/1` document; list items by
index) or the field an input error must name. Every review rule in the knowledge base is
the deciding rule of at least one case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from acucare.domain.errors import InputError
from acucare.domain.outcomes import parse_course, review_course, review_document
from acucare.kb import Registry
from acucare.kb.records.review_rules import ordered_rules

GOLDEN = Path(__file__).parent / "golden" / "reviews"
CASES = sorted(GOLDEN.glob("*.json"))
TIERS = {
    "substantial_improvement",
    "moderate_improvement",
    "minimal_improvement",
    "no_important_change",
    "worse",
}


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def _at(document: Any, path: str) -> Any:
    value = document
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


CASE_KEYS = {"name", "sources", "course", "expect", "error"}


def test_there_are_enough_cited_cases() -> None:
    """At least 30 cases, each citing its sources; keys checked (a typo must not pass).

    `expect` keys are dotted paths read with `_at`, so a misspelt path fails loudly.
    """
    assert len(CASES) >= 30
    for path in CASES:
        case = _load(path)
        assert set(case) <= CASE_KEYS, (path.name, sorted(set(case) - CASE_KEYS))
        assert case["name"], path.name
        assert case["sources"], path.name
        assert ("expect" in case) != ("error" in case), path.name


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_review(registry: Registry, path: Path) -> None:
    case = _load(path)
    if "error" in case:
        with pytest.raises(InputError) as caught:
            review_document(case["course"], registry)
        assert caught.value.field == case["error"]["field"], caught.value.message
        assert caught.value.message
        return
    document = review_document(case["course"], registry)
    for key, expected in case["expect"].items():
        assert _at(document, key) == expected, f"{key}: {_at(document, key)!r} != {expected!r}"
    _check_shape(document)


def _check_shape(document: dict[str, Any]) -> None:
    assert document["format"] == "acucare.review/1"
    primary = document["primary"]
    assert primary["tier"] in TIERS or primary["tier"] is None
    assert primary["responder"] == (
        primary["tier"] in ("moderate_improvement", "substantial_improvement")
    )
    action = document["recommendation"]["action"]
    assert action in ("continue", "modify", "stop", "refer", "discharge")
    assert document["recommendation"]["why"]
    assert document["recommendation"]["citations"]
    if primary["tier"] == "worse" or (document["pgic"] or {}).get("tier") == "worse":
        assert action != "continue"
    if any(f["code"] == "self_harm_thoughts" for f in document["flags"]):
        assert action == "refer"
    for outcome in document["outcomes"]:
        assert outcome["tier"] in TIERS or outcome["tier"] is None


def test_every_review_rule_decides_some_golden_case(registry: Registry) -> None:
    deciding = set()
    for path in CASES:
        case = _load(path)
        if "course" in case and "error" not in case:
            document: dict[str, Any] = review_document(case["course"], registry)
            deciding.add(document["recommendation"]["rule"])
    missing = {rule.ref for rule in ordered_rules(registry)} - deciding - {"otherwise_review@1"}
    assert not missing, f"review rules without a golden case: {sorted(missing)}"


def test_parsed_course_is_typed(registry: Registry) -> None:
    case = _load(CASES[0])
    course = parse_course(case["course"], registry)
    assert course.primary == "peg"
    assert course.condition is not None
    assert course.condition.id == "chronic_low_back_pain"
    assert [t.kind for t in course.timepoints] == ["baseline", "session", "review"]
    review = review_course(course, registry)
    assert review.primary.responder
    assert review.medication.baseline_mme == 30


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], "course"),
        ({"format": "acucare.course/1"}, "timepoints"),
        ({"format": "acucare.course/1", "timepoints": [1]}, "timepoints[0]"),
        ({"format": "acucare.course/1", "condition": {"icd10": "XX"}, "timepoints": []},
         "condition.icd10"),
    ],
)  # fmt: skip
def test_shapes_rejected(registry: Registry, document: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_course(document, registry)
    assert caught.value.field == field


def test_messages_name_instruments_as_people_read_them(registry: Registry) -> None:
    """Issue 10: a review reads "PHQ-9" and "PEG", never the ids "phq9" and "peg"."""
    document: dict[str, Any] = review_document(_load(CASES[0])["course"], registry)
    primary = document["primary"]["message"]
    other = document["outcomes"][0]["message"]
    assert primary.startswith("Clinically important improvement on PEG:"), primary
    assert other == "PHQ-9 has not been measured again since baseline.", other
    with pytest.raises(InputError) as caught:
        parse_course(
            {"format": "acucare.course/1", "primary": "phq9",
             "timepoints": [{"kind": "baseline", "date": "2026-01-05",
                             "scores": {"phq9": {"1": 1}}}]},
            registry,
        )  # fmt: skip
    assert "complete PHQ-9 score" in caught.value.message


def _medicare(*points: dict[str, Any]) -> dict[str, Any]:
    baseline = {"kind": "baseline", "date": "2026-01-05", "scores": {"nrs": {"1": 8}}}
    return {"format": "acucare.course/1", "condition": {"icd10": "M54.50"},
            "payer": "medicare", "timepoints": [baseline, *points]}  # fmt: skip


def test_medicare_window_comes_from_the_dates_not_the_counts(registry: Registry) -> None:
    """NCD 30.3.3: 12 visits in 90 days. The same 8 sessions and the same improvement leave
    4 initial visits while the 90 days from the first session run, and none once they have
    passed (only the 8 for an improving patient remain)."""
    first = {"kind": "session", "session": 1, "date": "2026-01-06"}
    eighth = {"kind": "session", "session": 8, "date": "2026-03-30"}

    def left(review_date: str) -> tuple[int, str]:
        review = {"kind": "review", "session": 8, "date": review_date,
                  "scores": {"nrs": {"1": 4}}}  # fmt: skip
        document: dict[str, Any] = review_document(_medicare(first, eighth, review), registry)
        payer = document["payer"]
        return payer["covered_sessions_left"], payer["why"]

    inside, why_inside = left("2026-04-05")  # day 90, counting the first session as day 1
    after, why_after = left("2026-04-06")
    assert inside == 4, why_inside
    assert after == 8, why_after  # the 4 unused initial visits lapsed; 8 for improving
    assert "run to 2026-04-05" in why_inside
    assert "ended on 2026-04-05, with 8 visits known to fall in them" in why_after
