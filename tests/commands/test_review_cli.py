"""`acucare review COURSE` as a clinic's script runs it: real processes, spec exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent.parent / "domain" / "golden" / "reviews"
CASES = sorted(GOLDEN.glob("*.json"))
# A few of each kind through a real process; every case runs in process in tests/domain.
SAMPLE = [p for p in CASES if p.name.startswith(("01-", "09-", "26-", "37-", "39-", "41-"))]


def test_reviews_the_contract_example_from_a_file(run_cli) -> None:
    case = json.loads(CASES[0].read_text(encoding="utf-8"))
    result = run_cli("review", document=case["course"])
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["format"] == "acucare.review/1"
    assert document["primary"]["tier"] == "moderate_improvement"
    assert document["primary"]["responder"] is True
    assert document["payer"]["covered_sessions_left"] == 6
    assert document["kb_version"].startswith("kb-")


@pytest.mark.parametrize("path", SAMPLE, ids=[p.stem for p in SAMPLE])
def test_golden_cases_from_stdin(run_cli, path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    result = run_cli("review", "-", stdin=case["course"])
    if "error" in case:
        assert result.exit_code == 2, result.stdout + result.stderr
        assert result.stderr == ""
        assert len(result.stdout.strip().splitlines()) == 1
        assert result.json()["error"]["field"] == case["error"]["field"]
    else:
        assert result.exit_code == 0, result.stderr
        action = result.json()["recommendation"]["action"]
        assert action == case["expect"].get("recommendation.action", action)


def test_malformed_json_exits_2(run_cli) -> None:
    result = run_cli("review", "-", stdin="{not json")
    assert result.exit_code == 2
    assert result.json()["error"]["field"] == "course"


def test_missing_file_exits_2(run_cli) -> None:
    result = run_cli("review", "/nonexistent/course.json")
    assert result.exit_code == 2
    assert result.json()["error"]["field"] == "course"
