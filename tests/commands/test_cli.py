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


def test_a_key_given_twice_is_rejected_not_silently_overwritten(run_cli) -> None:
    result = run_cli("score", "phq9", "-", stdin='{"1": 0, "1": 3}')
    assert result.exit_code == 2
    error = result.json()["error"]
    assert "'1' appears more than once" in error["message"]


def test_malformed_json_is_exit_2(run_cli) -> None:
    result = run_cli("score", "phq9", "-", stdin='{"1": 0,')
    assert result.exit_code == 2
    assert "malformed JSON" in result.json()["error"]["message"]
