"""Fixtures for corrupting a copy of the knowledge base and reading `kb check`'s problems."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR, load

Edit = Callable[[list[dict[str, Any]]], None]
KnowledgeProblems = Callable[[str, Edit], list[str]]


@pytest.fixture
def knowledge_problems(tmp_path: Path) -> KnowledgeProblems:
    """Apply an edit to one file of a copy of the knowledge base; return kb check's lines."""

    def run(relative: str, change: Edit) -> list[str]:
        target = tmp_path / "knowledge"
        if not target.exists():
            shutil.copytree(DEFAULT_KNOWLEDGE_DIR, target)
        path = target / relative
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(records)
        path.write_text(
            yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        result = load(target, use_cache=False)
        return [str(problem) for problem in result.problems]

    return run
