"""The command line's own contract: usage errors are spec JSON errors with exit 2."""

from __future__ import annotations


def test_unknown_subcommand_is_rejected_with_json(run_cli) -> None:
    result = run_cli("frobnicate")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["field"] == "command"
    assert "kb" in error["allowed"]
    assert result.stderr == ""


def test_unknown_flag_names_the_flag(run_cli) -> None:
    result = run_cli("kb", "points", "--colour")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["field"] == "--colour"
    assert "--meridian" in error["allowed"]


def test_missing_kb_subcommand(run_cli) -> None:
    result = run_cli("kb")
    assert result.exit_code == 2
    assert set(result.json()["error"]["allowed"]) >= {"check", "points"}
