"""A depth recorded in millimetres is classed against the point's cited safe depth (issue 9).

No point of the shipped catalogue has a cited safe depth yet, so the shipped examples
(knowledge/safety_examples/session_technique.yaml) show the unclassed branch (a warning);
these tests give GB21 a safe depth in a copy of the knowledge base to show the cited one.
GB21 does carry the depth at which an ultrasound study found the pleura (14.6 mm, the mean
in women): at or past it a needle is deep whatever was declared; short of it, unclassed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.domain.errors import InputError
from acucare.domain.intake import parse_intake
from acucare.domain.session_check import check_session
from acucare.kb import Registry
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, load

INTAKE = {
    "format": "acucare.intake/1",
    "patient": {"age": 40, "sex": "male"},
    "conditions": [{"icd10": "M54.2", "duration_weeks": 30}],
}


def _check(registry: Registry, point: dict[str, Any]) -> dict[str, Any]:
    session = {"modality": "manual_acupuncture", "points": [{"code": "GB21", **point}]}
    document: dict[str, Any] = check_session(
        parse_intake(INTAKE, registry), session, registry
    ).as_document()
    return document


def _rules(document: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in document["findings"] if f["scope"] == "session"}


def _copy_with_gb21(tmp_path: Path, **fields: Any) -> Path:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, knowledge)
    path = knowledge / "acupoints" / "gb.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(r for r in records if r["code"] == "GB21").update(fields)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), "utf-8")
    return knowledge


@pytest.fixture(scope="module")
def cited(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """GB21 with a safe depth of 15 mm and a (test-only) checked source."""
    knowledge = _copy_with_gb21(
        tmp_path_factory.mktemp("cited"),
        max_depth_mm=15,
        max_depth_citations=[{"id": "peuker1999", "evidence": "verified"}],
    )
    result = load(knowledge, use_cache=False)
    assert result.registry is not None, result.problems
    return result.registry


def test_without_a_cited_safe_depth_millimetres_alone_are_named_unclassed(
    registry: Registry,
) -> None:
    document = _check(registry, {"side": "right", "depth_mm": 12})
    assert document["allowed"] is True
    assert _rules(document) == {"caution_pneumothorax", "depth_in_mm_not_classed"}
    message = next(
        f["message"] for f in document["findings"] if f["rule"] == "depth_in_mm_not_classed"
    )
    assert "12 mm, no depth class" in message


@pytest.mark.parametrize("declared", [{}, {"depth": "superficial"}, {"depth": "standard"}])
def test_at_the_depth_a_study_reached_the_pleura_it_is_deep(
    registry: Registry, declared: dict[str, str]
) -> None:
    """GB21 at 30 mm was allowed with a warning, and "superficial" at 30 mm passed."""
    for depth_mm in (14.6, 30):
        document = _check(registry, {"side": "right", "depth_mm": depth_mm, **declared})
        assert document["allowed"] is False, (depth_mm, declared)
        assert _rules(document) == {"caution_pneumothorax", "danger_point_deep_needling"}


def test_a_declared_class_stands_without_a_cited_safe_depth(registry: Registry) -> None:
    document = _check(registry, {"side": "right", "depth_mm": 8, "depth": "superficial"})
    assert document["allowed"] is True
    assert _rules(document) == {"caution_pneumothorax"}


def test_within_the_cited_safe_depth_is_standard(cited: Registry) -> None:
    document = _check(cited, {"side": "right", "depth_mm": 12, "angle": "oblique"})
    assert document["allowed"] is True
    assert _rules(document) == {"caution_pneumothorax"}  # classed: no unclassed warning


def test_beyond_the_cited_safe_depth_is_deep_whatever_was_declared(cited: Registry) -> None:
    for declared in ({}, {"depth": "superficial"}, {"depth": "standard"}):
        document = _check(cited, {"side": "right", "depth_mm": 25, **declared})
        assert document["allowed"] is False, declared
        assert "danger_point_deep_needling" in _rules(document)
        message = next(
            f["message"] for f in document["findings"] if f["rule"] == "danger_point_deep_needling"
        )
        assert "25 mm, classed deep" in message


def test_a_safe_depth_without_its_source_is_a_problem(tmp_path: Path) -> None:
    knowledge = _copy_with_gb21(tmp_path, max_depth_mm=15)
    problems = [str(p) for p in load(knowledge, use_cache=False).problems]
    assert any("GB21: max_depth_mm and max_depth_citations go together" in p for p in problems), (
        problems
    )


@pytest.mark.parametrize("depth_mm", [-1, 151, "20"])
def test_an_impossible_depth_names_the_field(registry: Registry, depth_mm: object) -> None:
    with pytest.raises(InputError) as caught:
        _check(registry, {"side": "right", "depth_mm": depth_mm})
    assert caught.value.field == "session.points[0].depth_mm"
