"""docs/safety.md lists every rule and point caution, generated so that it cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from acucare.cli import main
from acucare.kb import Registry
from acucare.kb.records.safety_rules import SafetyRule
from acucare.kb.safety_docs import MARKER, render, write

DOC = Path(__file__).resolve().parents[2] / "docs" / "safety.md"


def test_the_committed_doc_is_the_generators_output(registry: Registry) -> None:
    text = DOC.read_text(encoding="utf-8")
    _, found, generated = text.partition(MARKER)
    assert found, "docs/safety.md lost its marker line"
    assert MARKER + generated == render(registry), (
        "docs/safety.md is out of date: run `acucare kb docs safety --write docs/safety.md`"
    )


def test_every_rule_has_its_section_with_blocks_and_sources(registry: Registry) -> None:
    text = render(registry)
    for rule in registry.of(SafetyRule).values():
        section = text.split(f"### `{rule.id}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"**{rule.level}**, version {rule.version}" in section
        assert "- Blocks: " in section
        for ref in rule.citations:
            assert ref.id in section


def test_session_rules_say_what_they_block(registry: Registry) -> None:
    text = render(registry)
    assert "declared depth or angle that a `pneumothorax`" in text
    assert "one electrode on `ST9`" in text
    assert "| `GB21` Jianjing | pneumothorax | " in text
    assert "| perpendicular |" in text


def test_write_keeps_the_prose_and_refuses_a_file_without_marker(
    registry: Registry, tmp_path: Path
) -> None:
    target = tmp_path / "safety.md"
    target.write_text(f"# Prose\n\nkept\n\n{MARKER}\nstale\n", encoding="utf-8")
    write(registry, target)
    assert target.read_text(encoding="utf-8") == "# Prose\n\nkept\n\n" + render(registry)
    bare = tmp_path / "bare.md"
    bare.write_text("no marker\n", encoding="utf-8")
    with pytest.raises(ValueError, match="marker"):
        write(registry, bare)


def test_the_command_prints_and_writes(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "docs", "safety"]) == 0
    assert capsys.readouterr().out == render(registry)
    target = tmp_path / "safety.md"
    target.write_text(f"head\n{MARKER}\n", encoding="utf-8")
    assert main(["kb", "docs", "safety", "--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("head\n" + MARKER)
    assert main(["kb", "docs", "safety", "--write", str(tmp_path / "missing.md")]) == 2
