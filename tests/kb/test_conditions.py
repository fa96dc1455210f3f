"""Conditions: ICD-10-CM grouping, evidence and guideline positions, and their checks."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb import Registry
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, load
from acucare.kb.records.base import acts_on
from acucare.kb.records.citations import Citation, iter_citation_refs
from acucare.kb.records.conditions import (
    ICD10_CM_FORM,
    Condition,
    build_indexes,
    condition_for_icd10,
)

HERE = Path(__file__).resolve().parent
REQUIRED_GROUPS = {
    "chronic_low_back_pain", "chronic_neck_pain", "knee_osteoarthritis", "migraine",
    "tension_type_headache", "chronic_shoulder_pain", "fibromyalgia", "chronic_pain",
    "chronic_secondary_pain",
}  # fmt: skip


def _golden_rows() -> list[tuple[str, str | None]]:
    with (HERE / "conditions_icd10.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["code"], row["group"] or None) for row in csv.DictReader(handle)]


@pytest.mark.parametrize(("code", "group"), _golden_rows())
def test_code_resolves_to_its_group(registry: Registry, code: str, group: str | None) -> None:
    condition = condition_for_icd10(registry, code)
    assert (condition.id if condition else None) == group


def test_every_required_group_is_present(registry: Registry) -> None:
    assert set(registry.of(Condition)) >= REQUIRED_GROUPS


# --- Most specific match ----------------------------------------------------------------


def _registry_with(registry: Registry, **patterns: tuple[str, ...]) -> Registry:
    """A registry holding shipped conditions with their icd10 patterns replaced."""
    conditions = {
        key: replace(registry.of(Condition)[key], icd10=icd10) for key, icd10 in patterns.items()
    }
    small = Registry("kb-test", {"conditions": conditions}, {Condition: "conditions"})
    small.indexes.update(build_indexes(small))
    return small


def test_exact_pattern_beats_a_wildcard_on_the_same_code(registry: Registry) -> None:
    small = _registry_with(
        registry, chronic_low_back_pain=("M54.5*",), chronic_neck_pain=("M54.50",)
    )
    assert condition_for_icd10(small, "M54.50").id == "chronic_neck_pain"  # type: ignore[union-attr]
    assert condition_for_icd10(small, "M54.51").id == "chronic_low_back_pain"  # type: ignore[union-attr]
    assert condition_for_icd10(small, "M54.5").id == "chronic_low_back_pain"  # type: ignore[union-attr]


def test_longer_wildcard_beats_shorter_one(registry: Registry) -> None:
    small = _registry_with(registry, chronic_pain=("M54.*",), chronic_low_back_pain=("M54.5*",))
    assert condition_for_icd10(small, "M54.59").id == "chronic_low_back_pain"  # type: ignore[union-attr]
    assert condition_for_icd10(small, "M54.2").id == "chronic_pain"  # type: ignore[union-attr]
    assert condition_for_icd10(small, "M54").id == "chronic_pain"  # type: ignore[union-attr]
    assert condition_for_icd10(small, "M55.0") is None


def test_exact_pattern_does_not_catch_children(registry: Registry) -> None:
    small = _registry_with(registry, chronic_neck_pain=("M54.2",))
    assert condition_for_icd10(small, "M54.2") is not None
    assert condition_for_icd10(small, "M54.21") is None


# --- The ICD-10-CM form ---------------------------------------------------------------------

VALID_FORMS = ["M54.50", "M5450", "M54.5", "M54", "M17.11", "G43.909", "S72.001A", "M1A.0110",
               "C4A.0", "Z99", "G89.4", "R52"]  # fmt: skip
INVALID_FORMS = ["m54.50", "M54.", "54.50", "MM4.5", "M5", "M54.50001", "M54-50", "M 54.5",
                 "M54..5", ".M54", "M54.5*", "", "1M5.4", "M54.5 "]  # fmt: skip


@pytest.mark.parametrize("code", VALID_FORMS)
def test_icd10_form_accepts(code: str) -> None:
    assert ICD10_CM_FORM.match(code)


@pytest.mark.parametrize("code", INVALID_FORMS)
def test_icd10_form_rejects(code: str) -> None:
    assert not ICD10_CM_FORM.match(code)


# --- Evidence and positions --------------------------------------------------------------------


def test_every_condition_is_cited_and_takes_a_position(registry: Registry) -> None:
    bibliography = registry.of(Citation)
    for key, condition in registry.of(Condition).items():
        refs = [ref for _, ref in iter_citation_refs(condition, key)]
        assert refs, key
        assert all(ref.id in bibliography for ref in refs), key
        assert acts_on(condition.evidence.plain_language.citations), key
        assert condition.evidence.plain_language.status == "active", key
        assert condition.guidelines, key
        assert {g.jurisdiction for g in condition.guidelines} >= {"UK", "US"}, key
        for guideline in condition.guidelines:
            assert guideline.citations, (key, guideline.body)
            assert all(ref.id in bibliography for ref in guideline.citations)
        assert condition.chronic_after_weeks == 12, key
        assert acts_on(condition.chronic_definition.citations), key


POSITIONS = [
    ("chronic_low_back_pain", "NICE", "do_not_offer", "nice_ng59"),
    ("chronic_low_back_pain", "ACP", "recommend", "qaseem2017"),
    ("chronic_low_back_pain", "CMS", "covered", "cms_ncd_30_3_3"),
    ("knee_osteoarthritis", "NICE", "not_recommended", "nice_ng226"),
    ("knee_osteoarthritis", "ACR", "conditional", "kolasinski2020"),
    ("knee_osteoarthritis", "CMS", "not_covered", "cms_ncd_30_3_2"),
    ("fibromyalgia", "NICE", "consider", "nice_ng193"),
    ("fibromyalgia", "CMS", "not_covered", "cms_ncd_30_3_1"),
    ("chronic_pain", "NICE", "consider", "nice_ng193"),
    ("migraine", "NICE", "consider", "nice_cg150"),
    ("tension_type_headache", "NICE", "consider", "nice_cg150"),
    ("chronic_neck_pain", "NICE", "no_position_located", "nice_ng193"),
    ("chronic_shoulder_pain", "NICE", "no_position_located", "nice_ng193"),
    ("chronic_neck_pain", "CMS", "not_covered", "cms_ncd_30_3"),
    ("migraine", "CMS", "not_covered", "cms_ncd_30_3"),
]


@pytest.mark.parametrize(("group", "body", "position", "source"), POSITIONS)
def test_guideline_position(
    registry: Registry, group: str, body: str, position: str, source: str
) -> None:
    condition = registry.of(Condition)[group]
    found = [g for g in condition.guidelines if g.body == body]
    assert [g.position for g in found] == [position]
    assert source in {ref.id for ref in found[0].citations}


def test_nice_ng59_does_not_offer_acupuncture_for_low_back_pain(registry: Registry) -> None:
    nice = registry.of(Condition)["chronic_low_back_pain"].positions("UK")
    assert [(g.guideline.split()[0], g.position) for g in nice] == [("NG59", "do_not_offer")]


def test_cg150_positions_rest_on_secondary_sources(registry: Registry) -> None:
    for group in ("migraine", "tension_type_headache"):
        cg150 = next(g for g in registry.of(Condition)[group].guidelines if g.body == "NICE")
        evidence = {ref.id: ref.evidence for ref in cg150.citations}
        assert evidence["nice_cg150"] == "secondary"
        assert cg150.course is not None
        assert (cg150.course.max_sessions, cg150.course.min_weeks, cg150.course.max_weeks) == (
            10, 5, 8,
        )  # fmt: skip


def test_ng193_course_is_one_course_of_five_clinician_hours(registry: Registry) -> None:
    for group in ("fibromyalgia", "chronic_pain"):
        ng193 = next(g for g in registry.of(Condition)[group].guidelines if g.body == "NICE")
        assert ng193.course is not None
        assert ng193.course.single_course
        assert ng193.course.max_clinician_hours == 5


def test_medicare_covers_only_chronic_low_back_pain(registry: Registry) -> None:
    covered = {
        key
        for key, condition in registry.of(Condition).items()
        if any(g.body == "CMS" and g.position == "covered" for g in condition.guidelines)
    }
    assert covered == {"chronic_low_back_pain"}


def test_medicare_low_back_limits(registry: Registry) -> None:
    limits = registry.of(Condition)["chronic_low_back_pain"].coverage("CMS")
    assert limits is not None
    assert limits.policy == "NCD 30.3.3"
    assert (limits.initial_visits, limits.initial_window_days) == (12, 90)
    assert (limits.extension_visits, limits.annual_max_visits) == (8, 20)
    assert limits.extension_requires_improvement
    assert set(limits.stop_when) == {"not_improving", "regressing"}
    assert limits.min_duration_weeks == 12
    assert set(limits.excluded_when) == {
        "identifiable_systemic_cause", "associated_with_surgery", "associated_with_pregnancy",
    }  # fmt: skip
    assert registry.of(Condition)["fibromyalgia"].coverage("CMS") is None


def test_headline_effects_follow_the_reference(registry: Registry) -> None:
    back = registry.of(Condition)["chronic_low_back_pain"]
    sham = back.headline_effect("sham")
    usual = back.headline_effect("no_acupuncture")
    assert sham is not None
    assert usual is not None
    assert (sham.estimate, sham.ci95) == (0.23, (0.13, 0.33))
    assert (usual.estimate, usual.ci95) == (0.55, (0.51, 0.58))
    knee = registry.of(Condition)["knee_osteoarthritis"]
    assert knee.headline_effect("sham").estimate == 0.16  # type: ignore[union-attr]
    neck = registry.of(Condition)["chronic_neck_pain"].headline_effect("sham")
    assert neck is not None
    assert (neck.trials, neck.patients, neck.certainty) == (8, 560, "moderate")


def test_tension_type_headache_responders(registry: Registry) -> None:
    responders = registry.of(Condition)["tension_type_headache"].evidence.responders
    assert [(r.comparison, r.acupuncture_per_100, r.control_per_100) for r in responders] == [
        ("usual_care", 48, 17),
        ("sham", 52, 43),
    ]


def test_unverified_statements_are_stored_but_inert(registry: Registry) -> None:
    pain = registry.of(Condition)["chronic_pain"]
    quoted = pain.evidence.responders[0]
    assert quoted.status == "unverified"
    assert not acts_on(quoted.citations)
    inert = registry.index("inert_records:conditions")
    assert "conditions chronic_pain evidence.responders[0]" in inert
    assert any(line.startswith("conditions migraine icd10_codes G43.909") for line in inert)
    assert not any("chronic_low_back_pain" in line for line in inert)
    # No effect shown as evidence relies only on unverified sources.
    for condition in registry.of(Condition).values():
        for effect in condition.evidence.effects:
            assert effect.status == "active"
            assert acts_on(effect.citations)


def test_chronicity(registry: Registry) -> None:
    back = registry.of(Condition)["chronic_low_back_pain"]
    assert back.is_chronic(12)
    assert not back.is_chronic(11.9)
    assert back.ref == "chronic_low_back_pain@1"


# --- Checks on a corrupted copy of the knowledge base ------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    return target


def _edit_condition(knowledge: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = knowledge / "conditions" / f"{name}.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(records[0])
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(knowledge: Path) -> list[str]:
    result = load(knowledge, use_cache=False)
    assert result.registry is None, "the corruption went unnoticed"
    return [str(problem) for problem in result.problems]


def _cite_only_unverified(record: dict[str, Any]) -> None:
    record["evidence"]["effects"][0]["citations"] = [
        {"id": "vickers2012", "evidence": "unverified"}
    ]


def _drop_guideline_citations(record: dict[str, Any]) -> None:
    record["guidelines"][0]["citations"] = []


CORRUPTIONS = [
    (
        "knee_osteoarthritis",
        lambda r: r["icd10"].append("M54.2"),
        "knowledge/conditions/knee_osteoarthritis.yaml: knee_osteoarthritis: icd10[1] 'M54.2' "
        "is also claimed by condition 'chronic_neck_pain' "
        "(knowledge/conditions/chronic_neck_pain.yaml)",
    ),
    (
        "knee_osteoarthritis",
        lambda r: r["typical_regions"].append("kneecap"),
        "knowledge/conditions/knee_osteoarthritis.yaml: knee_osteoarthritis: typical_regions[1] "
        "unknown region 'kneecap' (not in knowledge/body_sites)",
    ),
    (
        "knee_osteoarthritis",
        lambda r: r["guidelines"][0]["citations"].append(
            {"id": "nice_ng999", "evidence": "verified"}
        ),
        "knowledge/conditions/knee_osteoarthritis.yaml: knee_osteoarthritis: unresolved citation "
        "'nice_ng999' at guidelines[0].citations[1]",
    ),
    (
        "migraine",
        lambda r: r["icd10"].append("G43.9x"),
        "knowledge/conditions/migraine.yaml: migraine: icd10[1] 'G43.9x' is not an ICD-10-CM "
        "code or pattern (write M54.50, M54.5* or M17.*)",
    ),
    (
        "chronic_neck_pain",
        _cite_only_unverified,
        "knowledge/conditions/chronic_neck_pain.yaml: chronic_neck_pain: evidence.effects[0] is "
        "active but cites only unverified sources (mark it unverified or cite a checked source)",
    ),
    (
        "chronic_neck_pain",
        _drop_guideline_citations,
        "knowledge/conditions/chronic_neck_pain.yaml: chronic_neck_pain: guidelines[0] (NICE) "
        "has no citation",
    ),
    (
        "fibromyalgia",
        lambda r: r.update(guidelines=[g for g in r["guidelines"] if g["body"] != "CMS"]),
        "knowledge/conditions/fibromyalgia.yaml: fibromyalgia: no US position: add one, or say "
        "'no_position_located'",
    ),
    (
        "chronic_low_back_pain",
        lambda r: r["coverage_limits"][0].update(extension_visits=9),
        "knowledge/conditions/chronic_low_back_pain.yaml: chronic_low_back_pain: "
        "coverage_limits[0] initial plus extension visits exceed the annual maximum",
    ),
    (
        "chronic_low_back_pain",
        lambda r: r["icd10_codes"].append(
            {"code": "M54.2", "descriptor": "Cervicalgia",
             "citations": [{"id": "icd10cm", "evidence": "verified"}]}
        ),
        "knowledge/conditions/chronic_low_back_pain.yaml: chronic_low_back_pain: "
        "icd10_codes[4] 'M54.2' resolves to chronic_neck_pain, not to this condition",
    ),
    (
        "migraine",
        lambda r: r["guidelines"][1].update(position="recommend"),
        "knowledge/conditions/migraine.yaml: migraine: guidelines[1] (CMS) is a payer: its "
        "position must be one of ['covered', 'no_position_located', 'not_covered']",
    ),
    (
        "knee_osteoarthritis",
        lambda r: r["evidence"]["effects"][0].update(estimate=0.9),
        "knowledge/conditions/knee_osteoarthritis.yaml: knee_osteoarthritis: evidence.effects[0] "
        "estimate 0.9 lies outside its 95 % CI 0.5 to 0.64",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "expected"), CORRUPTIONS)
def test_corruption_gives_one_precise_problem(
    knowledge_copy: Path, name: str, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    _edit_condition(knowledge_copy, name, change)
    assert _problems(knowledge_copy) == [expected]


def test_unknown_field_in_a_condition_is_a_schema_error(knowledge_copy: Path) -> None:
    _edit_condition(knowledge_copy, "migraine", lambda r: r["guidelines"][0].update(grade="A"))
    problems = _problems(knowledge_copy)
    assert any(
        p.startswith(
            "knowledge/conditions/migraine.yaml: migraine: schema error at guidelines.0.grade"
        )
        for p in problems
    ), problems


def test_position_outside_the_vocabulary_is_rejected(knowledge_copy: Path) -> None:
    _edit_condition(
        knowledge_copy, "migraine", lambda r: r["guidelines"][0].update(position="maybe")
    )
    problems = _problems(knowledge_copy)
    assert any("migraine: schema error at guidelines.0.position" in p for p in problems), problems


def test_headache_conditions_carry_their_trials_responder_definition(registry: Registry) -> None:
    expected = {"migraine": "migraine_frequency", "tension_type_headache": "headache_days"}
    for group, measure in expected.items():
        changes = registry.of(Condition)[group].meaningful_change
        assert [(c.measure, c.level, c.percent) for c in changes] == [
            (measure, "trial_responder", 50)
        ]
    # Instrument thresholds (NRS, RMDQ, ODI, PGIC) are the instruments' own, stated once.
    assert registry.of(Condition)["chronic_low_back_pain"].meaningful_change == ()
