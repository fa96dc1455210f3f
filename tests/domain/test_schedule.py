"""The measurement schedule derived from the condition's measurement set."""

from __future__ import annotations

import pytest

from acucare.domain.errors import InputError
from acucare.domain.outcomes import measurement_schedule
from acucare.kb import Registry
from acucare.kb.records.conditions import Condition


def test_low_back_pain_schedule(registry: Registry) -> None:
    schedule = measurement_schedule("chronic_low_back_pain", 10, [6], registry)
    kinds = [(t.kind, t.session, t.days_after_discharge) for t in schedule.timepoints]
    assert kinds[0] == ("baseline", 0, None)
    assert kinds[1:7] == [("session", n, None) for n in range(1, 7)]
    assert kinds[7] == ("review", 6, None)
    assert kinds[-3:] == [("discharge", 10, None), ("followup", None, 90), ("followup", None, 365)]
    baseline = schedule.timepoints[0]
    assert set(baseline.instruments) >= {"peg", "rmdq", "phq4"}
    assert schedule.timepoints[1].instruments == ("nrs",)
    review = schedule.timepoints[7]
    assert set(review.instruments) == {"peg", "rmdq", "phq4", "pgic"}
    assert {m.domain for m in review.measures} == {
        "pain", "function", "sleep", "mood", "global_change", "medication",
    }  # fmt: skip
    for point in schedule.timepoints:
        assert point.why
        assert point.citations
        for measure in point.measures:
            assert measure.why
            assert measure.citations
    assert "macpherson2017" in schedule.timepoints[-1].citations


def test_every_condition_has_a_schedule_with_pain_at_every_timepoint(registry: Registry) -> None:
    for group in registry.of(Condition):
        schedule = measurement_schedule(group, 8, [4], registry)
        for point in schedule.timepoints:
            assert any(m.domain == "pain" for m in point.measures), (group, point.kind)
    neck = measurement_schedule("chronic_neck_pain", 8, [4], registry)
    assert "ndi" in neck.timepoints[0].instruments


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("gout", 10, [6]), "condition_group"),
        (("chronic_low_back_pain", 0, []), "planned_sessions"),
        (("chronic_low_back_pain", 10, [6, 11]), "review_after[1]"),
    ],
)
def test_rejected(registry: Registry, args: tuple[str, int, list[int]], field: str) -> None:
    with pytest.raises(InputError) as caught:
        measurement_schedule(*args, registry)
    assert caught.value.field == field
