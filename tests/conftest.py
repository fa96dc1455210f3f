"""Fixtures shared by the whole suite. Area-specific fixtures live beside their tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from acucare.kb import Registry
from acucare.kb import registry as shipped_registry

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _audit_purge_between_tests() -> None:
    """SQLite's audit DELETE guard (audit migration 0005) lets the test suite empty the
    database between transactional tests; tests of the guard switch it back off."""
    from django.conf import settings

    settings.ACUCARE_AUDIT_ALLOW_PURGE = True


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The shipped knowledge base, validated once for the session."""
    return shipped_registry()


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliResult]:
    """Run `acucare ARGS` in a real process, as a clinic's script would.

    `stdin` may be a string or a JSON-serialisable object; `document` writes an object
    to a temporary file and appends its path to the arguments.
    """

    def run(*args: str, stdin: Any = None, document: Any = None) -> CliResult:
        argv = list(args)
        if document is not None:
            path = tmp_path / "document.json"
            path.write_text(json.dumps(document), encoding="utf-8")
            argv.append(str(path))
        if stdin is not None and not isinstance(stdin, str):
            stdin = json.dumps(stdin)
        completed = subprocess.run(
            [sys.executable, "-m", "acucare.cli", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            timeout=60,
            check=False,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run
