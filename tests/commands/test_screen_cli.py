"""`acucare screen INTAKE`: a screening document on success, one JSON error on exit 2."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.domain.test_intake import SPEC_EXAMPLE

SPEC_KEYS = {
    "format", "decision", "findings", "blocked_modalities", "blocked_points", "blocked_sites",
    "blocked_limbs", "kb_version",
}  # fmt: skip


def test_the_spec_example_is_screened(run_cli: Any) -> None:
    result = run_cli("screen", document=SPEC_EXAMPLE)
    assert result.exit_code == 0, result.stdout + result.stderr
    document = result.json()
    assert set(document) >= SPEC_KEYS
    assert document["format"] == "acucare.screening/1"
    assert document["decision"] == "proceed_with_precautions"
    assert document["blocked_limbs"] == ["left_arm"]
    assert "SP6" in document["blocked_points"]
    assert "limb_at_risk@1" in document["rules_applied"]
    assert result.stderr == ""


def test_an_intake_on_standard_input(run_cli: Any) -> None:
    intake = SPEC_EXAMPLE | {"red_flags": ["saddle_anaesthesia"]}
    result = run_cli("screen", "-", stdin=intake)
    assert result.exit_code == 0
    assert result.json()["decision"] == "urgent_referral"


def test_a_refusal_is_still_exit_0(run_cli: Any) -> None:
    intake = SPEC_EXAMPLE | {"history": ["neutropenia"]}
    result = run_cli("screen", "-", stdin=intake)
    assert result.exit_code == 0
    assert result.json()["decision"] == "refer_before_treatment"


@pytest.mark.parametrize(
    ("intake", "field"),
    [
        (SPEC_EXAMPLE | {"history": ["diabetes", "gout"]}, "history[1]"),
        (SPEC_EXAMPLE | {"patient": {"age": True}}, "patient.age"),
        (SPEC_EXAMPLE | {"conditions": [{"icd10": "J45.909"}]}, "conditions[0].icd10"),
        (SPEC_EXAMPLE | {"pain_sites": ["left_tail"]}, "pain_sites[0]"),
        (SPEC_EXAMPLE | {"questionnaires": {"phq9": {"3": 4}}}, "questionnaires.phq9.3"),
        (SPEC_EXAMPLE | {"colour": "blue"}, "colour"),
    ],
)
def test_rejected_intakes_exit_2_with_one_json_error(
    run_cli: Any, intake: dict[str, Any], field: str
) -> None:
    result = run_cli("screen", "-", stdin=intake)
    assert result.exit_code == 2
    assert result.stderr == ""
    assert list(result.json()) == ["error"]
    assert result.json()["error"]["field"] == field
    assert result.stdout.count("\n") == 1  # exactly one JSON object


def test_malformed_json_exits_2(run_cli: Any) -> None:
    result = run_cli("screen", "-", stdin='{"format": "acucare.intake/1",')
    assert result.exit_code == 2
    assert result.stderr == ""
    assert result.json()["error"]["field"] == "intake"


def test_a_missing_file_exits_2(run_cli: Any, tmp_path: Any) -> None:
    result = run_cli("screen", str(tmp_path / "nowhere.json"))
    assert result.exit_code == 2
    assert "file not found" in result.json()["error"]["message"]


def test_the_output_is_one_json_document(run_cli: Any) -> None:
    result = run_cli("screen", "-", stdin=json.dumps(SPEC_EXAMPLE))
    assert json.loads(result.stdout)["kb_version"].startswith("kb-")
