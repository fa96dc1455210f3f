"""The planner's parts on their own: reading blocks, triggering layers, defensive paths."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from acucare.domain.intake import Intake, IntakeCondition, parse_intake
from acucare.domain.planning import PlanningError, check_planned_session, plan
from acucare.domain.planning.blocks import Blocks, plain
from acucare.domain.planning.layers import LayerContext, components
from acucare.domain.planning.parts import Stimulation, TechniqueLimit
from acucare.domain.planning.planned_session import planned_session
from acucare.domain.planning.points import PlannedPoint, PointPicker, pain_sites
from acucare.domain.screening import (
    EMPTY_BLOCKED,
    Blocked,
    Finding,
    Restriction,
    Screening,
    safety_index,
    screen,
)
from acucare.kb import Registry
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.body_sites import BodyRegion
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.protocols import Protocol
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.records.safety_rules import EMPTY_POINTS


def nothing(registry: Registry, *findings: Finding, blocked: Blocked = EMPTY_BLOCKED) -> Screening:
    """A screening that found nothing (or only `findings`, blocking `blocked`)."""
    for finding in findings:
        blocked = blocked | finding.blocks
    return Screening(
        decision="proceed", findings=findings, blocked=blocked, caution_sites=(),
        referral="none", kb_version="test", index=safety_index(registry),
    )  # fmt: skip


def finding(rule: str, message: str, **fields: Any) -> Finding:
    values: dict[str, Any] = {"version": 1, "level": "block", "action": "", "citations": ()}
    return Finding(rule=rule, message=message, **(values | fields))


def _intake(registry: Registry, icd10: str, **extra: Any) -> Intake:
    body = {
        "format": "acucare.intake/1", "patient": {"age": 50, "sex": "female"},
        "conditions": [{"icd10": icd10, "duration_weeks": 20}], "pain_sites": ["lower_back"],
        "pregnancy": {"pregnant": False},
    }  # fmt: skip
    return parse_intake(body | extra, registry)


def test_a_diagnosis_outside_every_group_gets_no_protocol(registry: Registry) -> None:
    # The intake reader refuses such a code; the planner still fails safe without a group.
    outside = replace(_intake(registry, "M54.50"), conditions=(IntakeCondition("K21.9", 20, ""),))
    document = plan(outside, nothing(registry), registry).as_document()
    assert document["status"] == "plan"
    assert document["condition"]["group"] is None
    assert document["acupuncture"] is None
    assert "not in a condition group" in document["notes"][0]
    assert document["expected_outcome"]["summary"].startswith("No evidence summary")


def test_a_block_listed_only_at_the_top_level_still_blocks(registry: Registry) -> None:
    unexplained = Blocked(points=frozenset({"LI4"}), limbs=frozenset({"left_leg"}))
    blocks = Blocks.from_screening(nothing(registry, blocked=unexplained))
    reason = blocks.point_side("LI4", "right", "right_wrist_hand", "arm")
    assert reason is not None
    assert reason.rule == "screening"
    assert blocks.point_side("ST36", "left", "left_lower_leg", "leg") is not None
    assert blocks.point_side("ST36", "right", "right_lower_leg", "leg") is None


def test_finding_blocks_keep_their_reason_and_sources(registry: Registry) -> None:
    lesion = finding(
        "skin_lesion_site", "Skin lesion. (left knee)", citations=("sierpina2005",),
        blocks=Blocked(
            sites=frozenset({"left_knee"}), point_sides=frozenset({("SP9", "left")}),
            techniques=(Restriction("deep_needling", frozenset({"lower_back"}), EMPTY_POINTS),),
            modality_sites=(
                Restriction("electroacupuncture", frozenset({"chest"}), EMPTY_POINTS),
            ),
        ),
    )  # fmt: skip
    blocks = Blocks.from_screening(nothing(registry, lesion), ("cupping",))
    knee = blocks.point_side("EX-LE5", "left", "left_knee", "leg")
    assert knee is not None
    assert knee.citations == ("sierpina2005",)
    assert knee.text() == "Skin lesion (left knee)"
    assert blocks.point_side("SP9", "left", "left_lower_leg", "leg") is not None
    assert blocks.point_side("SP9", "right", "right_lower_leg", "leg") is None
    assert blocks.technique_at("deep_needling", "BL23", "left", "lower_back") is not None
    assert blocks.technique_at("deep_needling", "LI4", "left", "left_wrist_hand") is None
    assert blocks.modality_at("electroacupuncture", "CV17", "midline", "chest") is not None
    declined = blocks.modality("cupping")
    assert declined is not None
    assert declined.rule == "patient_preference"


def test_plain_turns_a_message_into_a_clause() -> None:
    assert (
        plain("Takes warfarin — higher risk. (warfarin)")
        == "Takes warfarin — higher risk (warfarin)"
    )
    assert plain("Limb at risk.") == "Limb at risk"


def test_pain_sites_are_read_through_the_body_site_index(registry: Registry) -> None:
    index = registry.index("body_site_index")
    found = pain_sites(["left_knee", "lower_back", "not_a_site"], index)
    assert [(p.region, p.side) for p in found] == [("knee", "left"), ("lower_back", "midline")]


def test_a_pool_stays_within_the_needle_maximum(registry: Registry) -> None:
    knee = registry.of(Protocol)["scharf2006_gerac_knee"]
    picker = PointPicker(
        knee, points=registry.of(Acupoint), regions=registry.of(BodyRegion),
        blocks=Blocks.from_screening(nothing(registry)),
        pain=pain_sites(["left_knee", "right_knee"], registry.index("body_site_index")),
        needle_sparing=False,
    )  # fmt: skip
    selection = picker.run()
    assert knee.needles.max is not None
    assert selection.needles + selection.ashi_count[1] - selection.ashi_count[0] <= knee.needles.max


def test_an_insomnia_diagnosis_triggers_the_sleep_layer(registry: Registry) -> None:
    context = LayerContext(
        scores={}, answers={}, group="chronic_low_back_pain", chronic=True,
        other_icd10=("G47.00",), findings=(), history=(),
    )  # fmt: skip
    parts = components(list(registry.of(CareLayer).values()), context, referral=False)
    sleep = [c for c in parts if c.domain == "sleep"]
    assert len(sleep) == 1
    assert "G47.00" in "; ".join(sleep[0].triggered_by)


def test_referral_keeps_only_the_layers_marked_for_it(registry: Registry) -> None:
    context = LayerContext(
        scores={}, answers={"phq9": {"3": 3}}, group="chronic_low_back_pain", chronic=True,
        other_icd10=(),
        findings=(finding("cauda_equina", "Possible cauda equina.", level="urgent"),),
        history=(),
    )  # fmt: skip
    layers = list(registry.of(CareLayer).values())
    referred = {c.domain for c in components(layers, context, referral=True)}
    assert referred == {"medical"}
    treated = {c.domain for c in components(layers, context, referral=False)}
    assert {"movement", "sleep", "medical"} <= treated


def test_a_session_the_check_refuses_is_never_returned(registry: Registry) -> None:
    def intake(**extra: Any) -> Intake:
        body = {"format": "acucare.intake/1", "patient": {"age": 50},
                "conditions": [{"icd10": "M54.50", "duration_weeks": 20}]}  # fmt: skip
        return parse_intake(body | extra, registry)

    planned = plan(intake(), screen(intake(), registry), registry).acupuncture
    assert planned is not None
    hand = PlannedPoint("LI4", ("left", "right"), "distal", "x", (), "wrist_hand")
    at_risk = intake(limbs_at_risk=["left_arm"])
    with pytest.raises(PlanningError, match="LI4"):
        check_planned_session(at_risk, replace(planned, points=(hand,)), registry)


def test_a_preferred_style_is_respected_where_a_protocol_of_it_exists(
    registry: Registry,
) -> None:
    cherkin = registry.of(Protocol)["cherkin2009_standardised"]
    western = replace(cherkin, id="western_test", style="western", rank=90)
    protocols = dict(registry.collections["protocols"]) | {western.id: western}
    index = dict(registry.index("protocols_by_condition"))
    index["chronic_low_back_pain"] = (*index["chronic_low_back_pain"], western.id)
    indexes = dict(registry.indexes) | {"protocols_by_condition": index}
    variant = replace(
        registry, collections=dict(registry.collections) | {"protocols": protocols},
        indexes=indexes,
    )  # fmt: skip
    preferences = {"style": "western", "declined_modalities": []}
    chosen = plan(_intake(registry, "M54.50", preferences=preferences), nothing(registry), variant)
    acupuncture = chosen.as_document()["acupuncture"]
    assert acupuncture["protocol"] == "western_test@1"
    assert "matches the patient's preferred style" in acupuncture["why"]
    default = plan(_intake(registry, "M54.50"), nothing(registry), variant).as_document()
    assert default["acupuncture"]["protocol"] == "brinkhaus2006_art@1"


def test_a_same_day_referral_gives_its_reason_first(registry: Registry) -> None:
    """The plan's referral opened "needed the same day" and then gave the routine reason
    (long-term steroids) before the same-day one (a hot swollen joint)."""
    example = registry.of(SafetyExample)["redteam_same_day_reason_leads"]
    intake = parse_intake(example.intake, registry)
    referral = plan(intake, screen(intake, registry), registry).as_document()["referral"]
    assert referral["urgency"] == "same_day"
    assert referral["findings"] == ["hot_swollen_joint", "fracture_long_term_steroids"]
    assert referral["why"].index("Hot, swollen joint") < referral["why"].index("steroid")


def test_the_planned_session_asks_for_what_the_prescription_limits(registry: Registry) -> None:
    intake = _intake(registry, "M54.50")
    planned = plan(intake, screen(intake, registry), registry).acupuncture
    assert planned is not None
    assert len(planned.points) >= 2
    first, second = planned.points[0], planned.points[1]
    deep = TechniqueLimit("deep_needling", "no deep needling", (first.code,), "x.", ())
    strong = TechniqueLimit("strong_electroacupuncture", "mild only", None, "x.", ())
    pair = ((first.code, "left"), (second.code, "left"))
    limited = replace(planned, technique_limits=(deep, strong), electro_pairs=(pair,))
    spec = planned_session(limited)
    depths = {p.code: p.depth for p in spec.points}
    assert depths[first.code] == "superficial"
    assert depths[second.code] is None
    assert spec.electro_intensity == "mild"
    assert spec.electro_pairs[0][0].code == first.code
    everywhere = replace(deep, points=None)
    assert {
        p.depth for p in planned_session(replace(planned, technique_limits=(everywhere,))).points
    } == {"superficial"}
    free = planned_session(replace(planned, technique_limits=(), electro_pairs=(pair,)))
    assert {p.depth for p in free.points} == {None}
    assert free.electro_intensity is None


def test_electroacupuncture_names_the_points_that_get_no_current() -> None:
    stimulation = Stimulation(
        "electro", "2/100 Hz", frequency_hz=(2, 100), current_ma=(1.0, None),
        no_current_at=("CV4",), de_qi=True,
    )  # fmt: skip
    assert list(stimulation.as_document().items()) == [
        ("method", "electro"), ("description", "2/100 Hz"), ("frequency_hz", [2, 100]),
        ("current_ma", {"min": 1.0, "max": None}), ("no_current_at", ["CV4"]), ("de_qi", True),
    ]  # fmt: skip
    manual = Stimulation("manual", "to de qi", no_current_at=("CV4",))
    assert manual.as_document() == {"method": "manual", "description": "to de qi"}
