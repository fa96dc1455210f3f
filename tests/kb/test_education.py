"""The education records: every claim cited and checked, every condition group and care
layer covered, and `kb check` naming each problem."""

from __future__ import annotations

from typing import Any

import pytest

from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.conditions import Condition
from acucare.kb.records.education import (
    EVIDENCE_LABELS,
    INDEX_BY_CONDITION,
    INDEX_BY_LAYER_GROUP,
    INDEX_BY_SLUG,
    EducationPage,
)
from acucare.kb.registry import Registry
from tests.kb.conftest import KnowledgeProblems

FILE = "education/general.yaml"


def test_every_condition_group_has_its_evidence_page(registry: Registry) -> None:
    index = registry.index(INDEX_BY_CONDITION)
    assert set(index) == set(registry.of(Condition))
    pages = registry.of(EducationPage)
    assert {pages[key].topic for key in index.values()} == {"evidence"}


def test_every_care_layer_group_has_its_self_care_page(registry: Registry) -> None:
    groups = {layer.group for layer in registry.of(CareLayer).values()}
    assert set(registry.index(INDEX_BY_LAYER_GROUP)) == groups


def test_every_statement_is_labelled_and_rests_on_checked_sources(registry: Registry) -> None:
    statements = [s for page in registry.of(EducationPage).values() for s in page.statements()]
    assert len(statements) > 40
    assert {s.label for s in statements} <= set(EVIDENCE_LABELS)
    for statement in statements:
        assert statement.citations
        assert all(ref.evidence != "unverified" for ref in statement.citations), statement.text


def test_the_safety_page_gives_the_verified_rates(registry: Registry) -> None:
    page = registry.of(EducationPage)["safety_and_needles"]
    by_source: dict[str, list[str]] = {}
    for statement in page.statements():
        for ref in statement.citations:
            by_source.setdefault(ref.id, []).append(statement.text)
    baumler = " ".join(by_source["baumler2021"])
    assert "1 serious problem" in baumler
    assert "10,000" in baumler
    assert "9 in 100" in baumler
    assert "no serious" in " ".join(by_source["white2001"])
    needles = " ".join(by_source["woo2011"])
    assert "sterile" in needles
    assert "used once" in needles


def test_every_evidence_page_is_honest_about_sham(registry: Registry) -> None:
    for page in registry.of(EducationPage).values():
        if page.topic == "evidence":
            text = " ".join(s.text for s in page.statements())
            assert "sham" in text, page.id


def test_slugs_are_unique_addresses(registry: Registry) -> None:
    pages = registry.of(EducationPage)
    assert len(registry.index(INDEX_BY_SLUG)) == len(pages)


def _first_statement(records: list[dict[str, Any]]) -> dict[str, Any]:
    statement: dict[str, Any] = records[0]["sections"][0]["statements"][0]
    return statement


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: _first_statement(r)["citations"].__setitem__(
                0, {"id": "vickers2012", "evidence": "unverified"}
            ),
            "cites unverified sources ['vickers2012']",
        ),
        (
            lambda r: _first_statement(r)["citations"].__setitem__(
                0, {"id": "nobody2099", "evidence": "verified"}
            ),
            "unresolved citation 'nobody2099'",
        ),
        (lambda r: _first_statement(r).__setitem__("label", "certain"), "label"),
        (lambda r: r[0].__setitem__("slug", "What A Session"), "lower-case words"),
        (lambda r: r[1].__setitem__("slug", r[0]["slug"]), "is already used by"),
        (lambda r: r[0].__setitem__("conditions", ["lumbago"]), "only an evidence page"),
        (lambda r: r[0].__setitem__("care_layer_groups", ["sleep"]), "only a self-care page"),
        (lambda r: r[0].__setitem__("status", "unverified"), "no active page on topic 'session'"),
    ],
)
def test_check_reports_each_problem(
    knowledge_problems: KnowledgeProblems, change: Any, expected: str
) -> None:
    problems = knowledge_problems(FILE, change)
    assert any(expected in line for line in problems), problems


def test_a_condition_without_its_page_is_reported(knowledge_problems: KnowledgeProblems) -> None:
    def drop_headache(records: list[dict[str, Any]]) -> None:
        records[:] = [r for r in records if r["id"] != "evidence_headache"]

    problems = knowledge_problems("education/evidence.yaml", drop_headache)
    assert any("no evidence page covers condition 'migraine'" in line for line in problems)


def test_unknown_condition_and_layer_group_are_reported(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def corrupt(records: list[dict[str, Any]]) -> None:
        records[0]["care_layer_groups"] = ["yoga_only"]

    problems = knowledge_problems("education/self-care.yaml", corrupt)
    assert any("unknown care-layer group 'yoga_only'" in line for line in problems)
    assert any("covers care-layer group 'movement'" in line for line in problems)

    def unknown_condition(records: list[dict[str, Any]]) -> None:
        records[0]["conditions"] = ["lumbago"]

    problems = knowledge_problems("education/evidence.yaml", unknown_condition)
    assert any("unknown condition id 'lumbago'" in line for line in problems)
