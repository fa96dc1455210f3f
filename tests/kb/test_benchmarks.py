"""Benchmarks from the evidence: they validate with their citations, the verified ones are
compared and the unverified never, and `kb check` refuses inconsistent records."""

from __future__ import annotations

from typing import Any

import pytest

from acucare.domain.analytics import rate_interval
from acucare.kb import Registry
from acucare.kb.records.benchmarks import Benchmark, benchmarks_for
from acucare.kb.records.citations import Citation
from tests.kb.conftest import KnowledgeProblems

TRIALS = "benchmarks/trials.yaml"
SAFETY = "benchmarks/safety.yaml"


def _by_id(records: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == key)


def test_every_benchmark_cites_the_bibliography(registry: Registry) -> None:
    bibliography = registry.of(Citation)
    benchmarks = registry.of(Benchmark)
    assert len(benchmarks) >= 10
    for record in benchmarks.values():
        assert all(ref.id in bibliography for ref in record.citations)


@pytest.mark.parametrize(
    ("key", "value", "compared"),
    [
        ("gerac_low_back_pain_response", 47.6, True),
        ("art_low_back_pain_change", 2.87, True),
        ("white2001_minor_events", 68.4, True),
        ("macpherson2001_significant_events", 1.25, True),
        ("witt2009_patients_needing_treatment", 2.17, True),
        ("ipd_update_vs_no_acupuncture", 0.5, False),  # an effect size: context only
        ("ipd_responder_illustration", 50, False),  # unverified: never compared
    ],
)
def test_published_figures(registry: Registry, key: str, value: float, compared: bool) -> None:
    record = registry.of(Benchmark)[key]
    assert record.value == value
    assert record.compared is compared


def test_an_unverified_figure_is_shown_but_not_compared(registry: Registry) -> None:
    record = registry.of(Benchmark)["ipd_responder_illustration"]
    assert not record.verified
    assert not record.compared


def test_survey_rates_are_their_counts(registry: Registry) -> None:
    """The example each safety figure carries: its events over its exposure, with the
    exact interval the dashboard shows beside it."""
    white = registry.of(Benchmark)["white2001_minor_events"]
    assert white.events is not None
    assert white.exposure is not None
    interval = rate_interval(white.events, white.exposure)
    assert interval is not None
    assert interval.estimate == pytest.approx(white.value, abs=0.05)
    assert interval.low < white.value < interval.high


def test_benchmarks_for_a_figure(registry: Registry) -> None:
    significant = [b.id for b in benchmarks_for(registry, "significant_per_1000")]
    assert significant == ["macpherson2001_significant_events", "white2001_significant_events"]
    back = [b.id for b in benchmarks_for(registry, "responders_moderate", "chronic_low_back_pain")]
    assert back == ["gerac_low_back_pain_response"]


def test_a_value_that_disagrees_with_its_counts_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "white2001_minor_events")["value"] = 6.84

    problems = knowledge_problems(SAFETY, edit)
    assert any("does not match events/exposure" in p for p in problems), problems


def test_a_unit_that_cannot_sit_beside_the_figure_is_refused(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "art_low_back_pain_change")["unit"] = "percent_of_patients"

    problems = knowledge_problems(TRIALS, edit)
    assert any("cannot be compared with 'mean_improvement_0_10'" in p for p in problems)


def test_an_unknown_condition_is_refused(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "gerac_low_back_pain_response")["condition"] = "sore_back"

    problems = knowledge_problems(TRIALS, edit)
    assert any("'sore_back' is not a condition group" in p for p in problems), problems


def test_an_unresolved_citation_is_refused(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "witt2009_patients_with_event")["citations"][0]["id"] = "witt2099"

    problems = knowledge_problems(SAFETY, edit)
    assert any("unresolved citation 'witt2099'" in p for p in problems), problems


def test_a_safety_figure_with_a_condition_is_refused(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "white2001_serious_events")["condition"] = "migraine"

    problems = knowledge_problems(SAFETY, edit)
    assert any("applies to every condition" in p for p in problems), problems


def test_an_interval_must_hold_its_value(knowledge_problems: KnowledgeProblems) -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        _by_id(records, "ipd_osteoarthritis_vs_no_acupuncture")["low"] = 0.6

    problems = knowledge_problems(TRIALS, edit)
    assert any("within its interval" in p for p in problems), problems
