"""The planner honours the screening's caution sites (issue 9, item 11): diabetes makes the
lower legs and feet sites to prefer to avoid, so distal points there come last and any kept
carries the caution."""

from __future__ import annotations

from typing import Any

from acucare.domain.intake import parse_intake
from acucare.domain.planning import plan
from acucare.domain.screening import screen
from acucare.kb import Registry


def _points(registry: Registry, **changes: Any) -> dict[str, dict[str, Any]]:
    document = {
        "format": "acucare.intake/1",
        "patient": {"age": 58, "sex": "female"},
        "conditions": [{"icd10": "M79.7", "duration_weeks": 60}],
        **changes,
    }
    intake = parse_intake(document, registry)
    planned = plan(intake, screen(intake, registry), registry).as_document()
    return {p["code"]: p for p in planned["acupuncture"]["points"]}


def test_without_diabetes_the_trial_order_stands(registry: Registry) -> None:
    points = _points(registry)
    assert "SP6" in points
    assert not any(
        "caution site" in limit for p in points.values() for limit in p.get("limits", ())
    )


def test_diabetes_moves_foot_and_leg_points_last_and_marks_those_kept(registry: Registry) -> None:
    points = _points(registry, history=["diabetes"])
    assert "SP6" not in points  # replaced by a distal point off the caution sites
    assert "HT7" in points
    for code in ("LR3", "ST36"):
        assert any("caution site: Diabetes" in limit for limit in points[code]["limits"])
    assert not any("caution site" in limit for limit in points["LI4"].get("limits", ()))


def test_an_antidiabetic_medicine_does_the_same(registry: Registry) -> None:
    points = _points(registry, medications=["metformin 500 mg"])
    assert "SP6" not in points
