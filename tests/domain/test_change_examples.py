"""Every change example of the knowledge base read through `score` and `classify_change`."""

from __future__ import annotations

import pytest

from acucare.domain.scoring import classify_change, score
from acucare.kb import Registry
from acucare.kb import registry as shipped_registry
from acucare.kb.records.change_examples import ChangeExample, Reading

EXAMPLES = sorted(shipped_registry().of(ChangeExample))


def _total(registry: Registry, instrument: str, reading: Reading) -> float | None:
    if reading.codes is None:
        return reading.total
    return score(registry, instrument, reading.answers()).total


@pytest.mark.parametrize("example_id", EXAMPLES)
def test_change_example(registry: Registry, example_id: str) -> None:
    example = registry.of(ChangeExample)[example_id]
    expected = example.expected
    if example.baseline is None:  # a rating of change: the answer is the category
        result = score(registry, example.instrument, example.follow_up.answers())
        assert result.change == expected.category
        return
    baseline = _total(registry, example.instrument, example.baseline)
    follow_up = _total(registry, example.instrument, example.follow_up)
    if example.baseline.codes is not None:
        assert baseline == expected.baseline_total
    if example.follow_up.codes is not None:
        assert follow_up == expected.follow_up_total
    if baseline is None or follow_up is None:
        assert expected.category is None
        return
    change = classify_change(registry, example.instrument, baseline, follow_up)
    assert change.category == expected.category


def test_the_floor_cases_of_the_review_are_examples(registry: Registry) -> None:
    readings = {
        (e.instrument, e.baseline.total, e.follow_up.total): e.expected.category
        for e in registry.of(ChangeExample).values()
        if e.baseline is not None
    }
    assert readings[("nrs", 1, 2)] == "no_important_change"
    assert readings[("nrs", 2, 1)] == "no_important_change"
    assert readings[("rmdq", 2, 3)] == "no_important_change"
    assert readings[("odi", 10, 14)] == "no_important_change"
