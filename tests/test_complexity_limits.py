"""The complexity limits of issue 16 hold everywhere, with no exemption: ruff enforces
McCabe complexity (C901) and statements a function (PLR0915), and no comment in the
project may switch either (or the branch count, PLR0912) off. A function over a limit
is split, not excused."""

from __future__ import annotations

import io
import os
import re
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folders that are not the project's source: installed packages, data, caches.
SKIPPED = {".venv", "var", "node_modules", "__pycache__", "acucare.egg-info"}
LIMITED = ("C901", "PLR0912", "PLR0915")
# The word, optionally a colon and codes; ruff also reads it after `ruff:` and `flake8:`,
# and in any case.
NOQA = re.compile(r"\bnoqa\b(?P<codes>\s*:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)?", re.I)


def python_files() -> Iterator[Path]:
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED and not d.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def exemptions(source: str) -> Iterator[tuple[int, str]]:
    """(line, comment) of each comment that would switch a complexity limit off: a noqa
    naming one of the limits (or a prefix of one), or a noqa naming no code at all."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        for found in NOQA.finditer(token.string):
            if found.group("codes") is None:
                yield token.start[0], token.string
                continue
            codes = re.findall(r"[A-Z]+[0-9]+", found.group("codes").upper())
            if any(limit.startswith(code) for code in codes for limit in LIMITED):
                yield token.start[0], token.string


def test_no_function_is_exempt_from_the_complexity_limits() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {comment}"
        for path in python_files()
        for line, comment in exemptions(path.read_text(encoding="utf-8"))
    ]
    assert len(found) == 0, "split these functions instead of exempting them:\n" + "\n".join(found)


# Upper case here (ruff reads any case), so that a plain grep for the lower-case form
# still finds nothing in the project.
@pytest.mark.parametrize(
    "source",
    [
        "def f():  # NOQA: C901 - one branch per kind\n    pass\n",
        "def f():  # noqa: E501, PLR0915\n    pass\n",
        "def f():  # NOQA:PLR0912\n    pass\n",
        "def f():  # noqa: C90\n    pass\n",
        "def f():  # noqa\n    pass\n",
        "# ruff: NOQA: C901\n",
        "# flake8: noqa\n",
    ],
)
def test_an_exemption_is_found(source: str) -> None:
    assert [line for line, _ in exemptions(source)] == [1]


@pytest.mark.parametrize(
    "source",
    [
        "import yaml  # noqa: S506 - a safe loader\n",
        "x = 1  # noqa: E501, RUF012\n",
        'TEXT = "# NOQA: C901"  # a string, not a comment\n',
        "# the limits (C901, PLR0915) are on\n",
    ],
)
def test_other_comments_are_not_exemptions(source: str) -> None:
    assert list(exemptions(source)) == []


def test_ruff_enforces_the_limits_with_no_file_exempt() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]
    lint = config["lint"]
    assert "C90" in lint["select"] or "C901" in lint["select"]
    assert "PLR0912" in lint["select"]
    assert "PLR0915" in lint["select"]
    assert lint["mccabe"]["max-complexity"] <= 10
    assert lint["pylint"]["max-statements"] <= 50
    assert lint["pylint"]["max-branches"] <= 12
    switched_off = [*lint.get("ignore", ()), *lint.get("extend-ignore", ())]
    switched_off += [code for codes in lint.get("per-file-ignores", {}).values() for code in codes]
    switched_off += list(lint.get("external", ()))
    assert not [c for c in switched_off for limit in LIMITED if limit.startswith(c)]
