"""`acucare kb check` catches every kind of corruption of a copy of the knowledge base."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, load


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
    return target


def _edit(path: Path, change: Callable[[list[dict[str, Any]]], object]) -> None:
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(records)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(knowledge: Path) -> list[str]:
    result = load(knowledge, use_cache=False)
    assert result.registry is None, "the corruption went unnoticed"
    return [str(p) for p in result.problems]


def test_the_shipped_knowledge_base_is_valid() -> None:
    result = load(use_cache=False)
    assert result.problems == []
    assert result.registry is not None
    assert result.registry.version.startswith("kb-")


def test_the_version_is_a_content_hash(knowledge_copy: Path) -> None:
    before = load(knowledge_copy, use_cache=False).registry
    path = knowledge_copy / "body_sites" / "regions.yaml"
    _edit(path, lambda records: records[0].update(label="Head and scalp"))
    after = load(knowledge_copy, use_cache=False).registry
    assert before is not None
    assert after is not None
    assert before.version != after.version


def test_schema_error_names_file_record_and_field(knowledge_copy: Path) -> None:
    path = knowledge_copy / "acupoints" / "lu.yaml"
    _edit(path, lambda records: records[0].update(limb="tail"))
    problems = _problems(knowledge_copy)
    assert any(
        p.startswith("knowledge/acupoints/lu.yaml: LU1: schema error at limb") for p in problems
    ), problems


def test_unknown_key_is_a_schema_error(knowledge_copy: Path) -> None:
    path = knowledge_copy / "acupoints" / "lu.yaml"
    _edit(path, lambda records: records[0].update(colour="red"))
    assert any("LU1: schema error at colour" in p for p in _problems(knowledge_copy))


def test_duplicate_id(knowledge_copy: Path) -> None:
    path = knowledge_copy / "acupoints" / "lu.yaml"
    _edit(path, lambda records: records.append(dict(records[0])))
    assert any("LU1: duplicate id" in p for p in _problems(knowledge_copy))


def test_unresolved_citation(knowledge_copy: Path) -> None:
    path = knowledge_copy / "acupoints" / "lu.yaml"

    def cite_nothing(records: list[dict[str, Any]]) -> None:
        records[0]["citations"] = [{"id": "nobody1999", "evidence": "verified"}]

    _edit(path, cite_nothing)
    assert any("unresolved citation 'nobody1999'" in p for p in _problems(knowledge_copy))


def test_wrong_meridian_count(knowledge_copy: Path) -> None:
    path = knowledge_copy / "acupoints" / "lu.yaml"
    _edit(path, lambda records: records.pop())
    problems = _problems(knowledge_copy)
    assert any(
        "LU: wrong point count: has 10 points, WHO has 11; missing LU11" in p for p in problems
    ), problems


def test_malformed_yaml(knowledge_copy: Path) -> None:
    (knowledge_copy / "acupoints" / "broken.yaml").write_text("- code: [unclosed\n")
    assert any(
        p.startswith("knowledge/acupoints/broken.yaml: not valid YAML")
        for p in _problems(knowledge_copy)
    )


def test_kb_check_command_exit_codes(run_cli, knowledge_copy: Path) -> None:
    ok = run_cli("kb", "check")
    assert ok.exit_code == 0, ok.stdout
    assert "is valid" in ok.stdout
    _edit(knowledge_copy / "acupoints" / "lu.yaml", lambda records: records.pop())
    bad = run_cli("kb", "check", "--path", str(knowledge_copy))
    assert bad.exit_code == 1
    assert "wrong point count" in bad.stdout


def test_unknown_point_code_in_a_rule(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety_rules" / "pregnancy.yaml"
    _edit(path, lambda records: records[0]["blocks"]["points"].append("LI99"))
    problems = _problems(knowledge_copy)
    assert any(
        "pregnancy_forbidden_points" in p and "unknown point 'LI99'" in p for p in problems
    ), problems


def test_unverified_fact_used_by_a_rule(knowledge_copy: Path) -> None:
    path = knowledge_copy / "safety_rules" / "pregnancy.yaml"

    def unverify(records: list[dict[str, Any]]) -> None:
        for ref in records[0]["citations"]:
            ref["evidence"] = "unverified"

    _edit(path, unverify)
    problems = _problems(knowledge_copy)
    assert any("pregnancy_forbidden_points" in p and "only unverified" in p for p in problems), (
        problems
    )
