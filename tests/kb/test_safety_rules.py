"""Safety rules as records: what `kb check` enforces, and what the derived index holds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from acucare.kb import Registry
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, load
from acucare.kb.records.acupoints import Acupoint
from acucare.kb.records.base import acts_on
from acucare.kb.records.citations import Citation
from acucare.kb.records.safety_examples import SafetyExample
from acucare.kb.records.safety_rules import SafetyIndex, SafetyRule
from acucare.kb.vocabulary import HISTORY_FLAGS, RED_FLAGS
from tests.kb.conftest import KnowledgeProblems


def _index(registry: Registry) -> SafetyIndex:
    index: SafetyIndex = registry.index("safety")
    return index


def _rule(records: list[dict[str, Any]], rule_id: str) -> dict[str, Any]:
    return next(record for record in records if record["id"] == rule_id)


def test_every_rule_resolves_its_citations(registry: Registry) -> None:
    citations = registry.of(Citation)
    for rule in registry.of(SafetyRule).values():
        for ref in rule.citations:
            assert ref.id in citations, f"{rule.id} cites unknown {ref.id}"


def test_every_acting_rule_has_a_checked_source(registry: Registry) -> None:
    for rule in registry.of(SafetyRule).values():
        assert rule.acts == (rule.status == "active"), rule.id
        if rule.acts:
            assert acts_on(rule.citations)


def test_every_intake_flag_can_fire_an_acting_rule(registry: Registry) -> None:
    """No history flag or red flag answered yes is silently ignored."""
    index = _index(registry)
    rules = [*index.patient_rules]
    history = {flag for rule in rules for clause in rule.trigger for flag in clause.history}
    red_flags = {flag for rule in rules for clause in rule.trigger for flag in clause.red_flags}
    assert set(HISTORY_FLAGS) <= history
    assert set(RED_FLAGS) <= red_flags


def test_there_are_at_least_forty_examples_and_each_acting_rule_has_one(
    registry: Registry,
) -> None:
    examples = registry.of(SafetyExample).values()
    assert len(examples) >= 40
    named = {rule for example in examples for rule in example.expected.rules}
    named |= {
        rule
        for example in examples
        if example.expected_session is not None
        for rule in example.expected_session.rules
    }
    acting = {rule.id for rule in registry.of(SafetyRule).values() if rule.acts}
    assert acting <= named


def test_the_spinal_cord_pair_rule_acts_on_its_secondary_source(registry: Registry) -> None:
    rule = registry.of(SafetyRule)["electro_pair_across_spinal_cord"]
    assert rule.status == "active"
    assert rule.level == "warn"
    assert rule in _index(registry).session_rules
    assert not any(
        "electro_pair_across_spinal_cord" in line for line in registry.index("inert_records")
    )


def test_an_unverified_rule_is_stored_but_never_indexed(tmp_path: Path) -> None:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    path = target / "safety_rules" / "electroacupuncture.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    stored = dict(_rule(records, "electro_pair_across_spinal_cord"), id="stored_unverified_rule")
    stored["status"] = "unverified"
    stored["citations"] = [{"id": "ea_spinal_teaching", "evidence": "unverified"}]
    records.append(stored)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), "utf-8")
    loaded = load(target, use_cache=False).registry
    assert loaded is not None
    rule = loaded.of(SafetyRule)["stored_unverified_rule"]
    index = _index(loaded)
    assert rule not in index.session_rules
    assert rule not in index.patient_rules
    assert any("stored_unverified_rule@2" in line for line in loaded.index("inert_records"))


def test_active_rule_citing_only_unverified_sources_is_a_problem(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def unverify(records: list[dict[str, Any]]) -> None:
        for ref in _rule(records, "metal_allergy")["citations"]:
            ref["evidence"] = "unverified"

    problems = knowledge_problems("safety_rules/patient_factors.yaml", unverify)
    assert any(
        p.startswith("knowledge/safety_rules/patient_factors.yaml: metal_allergy: active rule")
        and "cites only unverified sources" in p
        for p in problems
    ), problems


def test_the_same_rule_marked_unverified_is_accepted_and_inert(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def unverify(records: list[dict[str, Any]]) -> None:
        rule = _rule(records, "metal_allergy")
        rule["status"] = "unverified"
        for ref in rule["citations"]:
            ref["evidence"] = "unverified"

    problems = knowledge_problems("safety_rules/patient_factors.yaml", unverify)
    # Its example now expects a rule that cannot act: that is the only complaint.
    assert problems
    assert all("metal_allergy" in p and "cannot act" in p for p in problems), problems


def test_unknown_point_site_region_and_class_are_problems(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def corrupt(records: list[dict[str, Any]]) -> None:
        rule = _rule(records, "pregnancy_forbidden_points")
        rule["blocks"]["points"].append("LI99")
        rule["blocks"]["point_regions"].append("tail")
        rule["blocks"]["modality_sites"][0]["sites"].append("left_wing")

    problems = knowledge_problems("safety_rules/pregnancy.yaml", corrupt)
    text = "\n".join(problems)
    assert "blocks name unknown point 'LI99'" in text
    assert "blocks name unknown body region 'tail'" in text
    assert "names unknown body site 'left_wing'" in text


def test_a_warning_may_not_block(knowledge_problems: KnowledgeProblems) -> None:
    def corrupt(records: list[dict[str, Any]]) -> None:
        _rule(records, "metal_allergy")["blocks"] = {"modalities": ["cupping"]}

    problems = knowledge_problems("safety_rules/patient_factors.yaml", corrupt)
    assert any("a warn rule must not block anything" in p for p in problems), problems


def test_unknown_medication_class_and_unexercised_rule(
    knowledge_problems: KnowledgeProblems,
) -> None:
    def corrupt(records: list[dict[str, Any]]) -> None:
        _rule(records, "antiplatelet")["trigger"] = [{"medication_classes": ["snake_oil"]}]

    problems = knowledge_problems("safety_rules/bleeding.yaml", corrupt)
    assert any("unknown medication class 'snake_oil'" in p for p in problems), problems


def test_a_rule_without_an_example_is_a_problem(knowledge_problems: KnowledgeProblems) -> None:
    def drop(records: list[dict[str, Any]]) -> None:
        records[:] = [r for r in records if "heart_valve_disease" not in r["expected"]["rules"]]

    problems = knowledge_problems("safety_examples/patient_factors.yaml", drop)
    assert any(
        "heart_valve_disease: no example in knowledge/safety_examples exercises this rule" in p
        for p in problems
    ), problems


def test_limb_blocks_cover_only_their_side(registry: Registry) -> None:
    index = _index(registry)
    left_arm = index.limb_points["left_arm"]
    assert ("LI4", "left") in left_arm.point_sides
    assert ("LI4", "right") not in left_arm.point_sides
    assert not left_arm.points  # no midline point lies on a limb
    arm_points = {code for code, p in registry.of(Acupoint).items() if p.limb == "arm"}
    assert {code for code, _ in left_arm.point_sides} == arm_points


def test_site_blocks_follow_the_point_regions(registry: Registry) -> None:
    index = _index(registry)
    assert "GV3" in index.site_points["lower_back"].points  # midline
    assert "BL23" in index.site_points["lower_back"].points  # unsided site: both sides
    right_knee = index.site_points["right_knee"]
    assert ("ST35", "right") in right_knee.point_sides
    assert ("ST35", "left") not in right_knee.point_sides


def test_pregnancy_rule_expands_to_caution_points_but_not_gb21(registry: Registry) -> None:
    points = _index(registry).rule_points["pregnancy_forbidden_points"].points
    cautioned = {
        code
        for code, point in registry.of(Acupoint).items()
        if any(c.kind == "pregnancy" and acts_on(c.citations) for c in point.cautions)
    }
    assert cautioned - {"GB21"} <= points
    assert "GB21" not in points
    assert {"CV12", "ST25", "KI16"} <= points  # the whole abdomen, to be safe


def test_docs_list_every_rule(registry: Registry) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "safety.md").read_text(encoding="utf-8")
    missing = [rule_id for rule_id in registry.of(SafetyRule) if f"`{rule_id}`" not in text]
    assert not missing, f"docs/safety.md does not list {missing}"
