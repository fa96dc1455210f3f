"""Review rules, opioid conversions and measurement sets: `kb check` refuses bad records."""

from __future__ import annotations

from typing import Any

import pytest

from acucare.kb import Registry
from acucare.kb.records.opioid_conversions import conversion_for
from acucare.kb.records.review_rules import ordered_rules
from tests.kb.conftest import KnowledgeProblems

RULES = "review_rules/recommendations.yaml"
OPIOIDS = "opioid_conversions/cdc2022.yaml"
SETS = "measurement_sets/sets.yaml"


def _by_id(records: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == key)


@pytest.mark.parametrize(
    ("name", "factor", "unit"),
    [
        ("oxycodone", 1.5, "mg_per_day"),
        ("OxyContin", 1.5, "mg_per_day"),
        ("MST Continus", 1.0, "mg_per_day"),
        ("Ultram", 0.2, "mg_per_day"),
        ("fentanyl", 2.4, "mcg_per_hour"),
        ("methadone", 4.7, "mg_per_day"),
    ],
)
def test_conversions_resolve_names(registry: Registry, name: str, factor: float, unit: str) -> None:
    conversion = conversion_for(registry, name)
    assert conversion is not None
    assert (conversion.factor, conversion.unit) == (factor, unit)
    assert conversion.citations == ("dowell2022",)


def test_unconverted_medicines(registry: Registry) -> None:
    assert conversion_for(registry, "buprenorphine") is None
    assert conversion_for(registry, "ibuprofen") is None
    assert conversion_for(registry, "Zorblax") is None


def test_rules_end_with_a_catch_all(registry: Registry) -> None:
    rules = ordered_rules(registry)
    assert rules[0].id == "safety_flag_refers"
    assert rules[-1].id == "otherwise_review"


def test_a_continue_rule_for_a_worsened_course_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "responder_continues")["when"][0]["primary"].append("worse")

    problems = knowledge_problems(RULES, edit)
    assert any("never continue a worsened course" in p for p in problems), problems


def test_a_continue_rule_without_primary_states_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "responder_continues")["when"] = [{"payer": "medicare"}]

    problems = knowledge_problems(RULES, edit)
    assert any("must name the primary states" in p for p in problems), problems


def test_the_last_rule_must_always_hold(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        records.pop()

    problems = knowledge_problems(RULES, edit)
    assert any("must hold for every course" in p for p in problems), problems


def test_unknown_rule_fields_and_actions_are_schema_errors(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        records[0]["action"] = "pause"
        records[1]["when"][0]["sessions"] = 3

    problems = knowledge_problems(RULES, edit)
    assert any("safety_flag_refers" in p and "action" in p for p in problems), problems
    assert any("worsened_course_stops" in p and "sessions" in p for p in problems), problems


def test_a_rule_citing_only_unverified_sources_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        for ref in records[0]["citations"]:
            ref["evidence"] = "unverified"

    problems = knowledge_problems(RULES, edit)
    assert any("needs a verified or secondary source" in p for p in problems), problems


def test_a_conversion_for_a_medicine_outside_the_opioid_class_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        records.append(
            {"id": "ibuprofen", "factor": 1.0, "unit": "mg_per_day",
             "citations": [{"id": "dowell2022", "evidence": "secondary"}]}
        )  # fmt: skip

    problems = knowledge_problems(OPIOIDS, edit)
    assert any("'ibuprofen' is not a medicine of the 'opioid'" in p for p in problems), problems


def test_an_unknown_citation_in_a_conversion_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        records[0]["citations"][0]["id"] = "no_such_source"

    problems = knowledge_problems(OPIOIDS, edit)
    assert any("no_such_source" in p for p in problems), problems


def test_measurement_sets_are_checked(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        records[0]["domains"][2]["instruments"] = ["womac"]
        records[1]["id"] = "gout"
        records[2]["domains"] = [d for d in records[2]["domains"] if d["domain"] != "pain"]

    problems = knowledge_problems(SETS, edit)
    assert any("unknown instrument 'womac'" in p for p in problems), problems
    assert any("'gout' is not a condition group" in p for p in problems), problems
    assert any("the pain domain is required" in p for p in problems), problems
