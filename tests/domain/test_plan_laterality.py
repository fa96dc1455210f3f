"""The side a side-specific diagnosis code names reaches the plan (issue 9, item 6: with
no pain site the side comes from the code): M17.11 alone needles the right knee, not both
knees, and the plan says the side came from the code, for the practitioner to confirm."""

from __future__ import annotations

from typing import Any

import pytest

from acucare.domain.intake import parse_intake
from acucare.domain.planning import plan
from acucare.domain.screening import screen
from acucare.kb import registry as shipped_registry
from acucare.kb.records.acupoints import Acupoint

REGISTRY = shipped_registry()
FROM_CODE = "because the diagnosis code names that side, not a pain drawing"


def _plan(conditions: list[str], pain_sites: list[str]) -> dict[str, Any]:
    document = {
        "format": "acucare.intake/1",
        "patient": {"age": 67, "sex": "male"},
        "conditions": [{"icd10": code, "duration_weeks": 52} for code in conditions],
        "pain_sites": pain_sites,
    }
    intake = parse_intake(document, REGISTRY)
    return plan(intake, screen(intake, REGISTRY), REGISTRY).as_document()


def _knee_point_sides(document: dict[str, Any]) -> set[str]:
    knee = REGISTRY.index("body_site_index")["right_knee"][0]
    points = REGISTRY.of(Acupoint)
    return {
        point["side"]
        for point in document["acupuncture"]["points"]
        if points[point["code"]].region == knee
    }


@pytest.mark.parametrize(
    ("code", "side"), [("M17.11", "right"), ("M17.12", "left"), ("M1712", "left")]
)
def test_a_side_specific_code_alone_puts_the_knee_points_on_its_side(code: str, side: str) -> None:
    document = _plan([code], [])
    assert _knee_point_sides(document) == {side}
    assert any(FROM_CODE in note and f"the {side} knee" in note for note in document["notes"])
    assert "assumes" not in document["acupuncture"]["why"]


def test_a_drawn_knee_on_the_codes_side_needs_no_confirmation_note() -> None:
    document = _plan(["M17.11"], ["right_knee"])
    assert _knee_point_sides(document) == {"right"}
    assert not any(FROM_CODE in note for note in document["notes"])


def test_an_unsided_code_with_no_drawing_still_assumes_and_asks() -> None:
    # Control: M17.0 (bilateral) names no side, so nothing is added and the plan assumes
    # the knee and asks, as before.
    document = _plan(["M17.0"], [])
    assert _knee_point_sides(document) == {"bilateral"}
    assert "confirm with the patient" in document["acupuncture"]["why"]
    assert not any(FROM_CODE in note for note in document["notes"])


def test_a_second_conditions_side_outside_the_protocol_is_named_for_assessment() -> None:
    document = _plan(["M54.50", "M17.12"], ["lower_back"])
    assert (
        "A diagnosis code also names the left knee, which this protocol does not treat: "
        "assess separately." in document["notes"]
    )
