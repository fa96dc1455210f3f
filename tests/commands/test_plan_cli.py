"""`acucare plan INTAKE`: a plan document on success, one JSON error on exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from acucare.domain.intake import parse_intake
from acucare.domain.planning import plan
from acucare.domain.screening import screen
from acucare.kb import Registry
from tests.conftest import PROJECT_ROOT
from tests.domain.test_intake import MINIMAL, SPEC_EXAMPLE

SPEC_KEYS = {
    "format", "status", "screening", "condition", "acupuncture", "components", "reviews",
    "expected_outcome", "citations",
}  # fmt: skip


def test_the_spec_example_is_planned(run_cli: Any, registry: Registry) -> None:
    result = run_cli("plan", document=SPEC_EXAMPLE)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr == ""
    document = result.json()
    assert set(document) >= SPEC_KEYS
    assert document["format"] == "acucare.plan/1"
    assert document["status"] == "plan"
    assert document["condition"] == document["condition"] | {
        "icd10": "M54.50", "group": "chronic_low_back_pain", "chronic": True,
    }  # fmt: skip
    assert document["kb_version"] == registry.version
    acupuncture = document["acupuncture"]
    assert acupuncture["protocol"] == "cherkin2009_standardised@1"  # needle phobia: fewest needles
    assert {"code", "side", "role", "why", "citations"} <= set(acupuncture["points"][0])
    # Pregnancy and the left arm at risk: nothing of either reaches the plan.
    blocked = set(document["screening"]["blocked_points"])
    assert not blocked & {p["code"] for p in acupuncture["points"]}
    intake = parse_intake(SPEC_EXAMPLE, registry)
    assert document == plan(intake, screen(intake, registry), registry).as_document()


def test_an_intake_on_standard_input(run_cli: Any) -> None:
    result = run_cli("plan", "-", stdin=MINIMAL)
    assert result.exit_code == 0, result.stdout + result.stderr
    document = result.json()
    assert document["condition"]["group"] == "chronic_neck_pain"
    assert document["condition"]["chronic"] is None  # no duration given
    assert document["acupuncture"]["protocol_status"] == "unverified"


def test_a_red_flag_is_a_referral_and_still_exit_0(run_cli: Any) -> None:
    result = run_cli("plan", "-", stdin=SPEC_EXAMPLE | {"red_flags": ["saddle_anaesthesia"]})
    assert result.exit_code == 0
    document = result.json()
    assert document["status"] == "referral_required"
    assert document["acupuncture"] is None
    assert document["referral"]["urgency"] == "urgent"


@pytest.mark.parametrize(
    ("intake", "field"),
    [
        (SPEC_EXAMPLE | {"history": ["diabetes", "gout"]}, "history[1]"),
        (SPEC_EXAMPLE | {"conditions": []}, "conditions"),
        (SPEC_EXAMPLE | {"pain_sites": ["left_tail"]}, "pain_sites[0]"),
        (SPEC_EXAMPLE | {"questionnaires": {"phq9": {"3": 4}}}, "questionnaires.phq9.3"),
        (SPEC_EXAMPLE | {"preferences": {"style": "ayurvedic", "declined_modalities": []}},
         "preferences.style"),
        (SPEC_EXAMPLE | {"colour": "blue"}, "colour"),
    ],
)  # fmt: skip
def test_rejected_intakes_exit_2_with_one_json_error(
    run_cli: Any, intake: dict[str, Any], field: str
) -> None:
    result = run_cli("plan", "-", stdin=intake)
    assert result.exit_code == 2
    assert result.stderr == ""
    error = result.json()
    assert set(error) == {"error"}
    assert error["error"]["field"] == field
    assert error["error"]["message"]


def test_malformed_json_and_a_missing_file_exit_2(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("plan", "-", stdin="{not json")
    assert result.exit_code == 2
    assert result.json()["error"]["field"] == "intake"
    missing = run_cli("plan", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 2
    assert missing.json()["error"]["field"] == "intake"


def _plan_in_process(path: Path, seed: str) -> bytes:
    completed = subprocess.run(
        [sys.executable, "-m", "acucare.cli", "plan", str(path)],
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        timeout=60,
        check=True,
    )
    return completed.stdout


def test_two_processes_give_byte_identical_plans(tmp_path: Path) -> None:
    intake = SPEC_EXAMPLE | {
        "pain_sites": ["lower_back", "left_buttock", "right_knee"],
        "questionnaires": {
            "phq9": {"1": 2, "2": 2, "3": 3, "4": 2, "5": 1, "6": 1, "7": 1, "8": 0, "9": 0},
            "gad7": {"1": 2, "2": 2, "3": 2, "4": 2, "5": 1, "6": 2, "7": 1},
        },
    }
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake), encoding="utf-8")
    # Different hash seeds: no set or dict ordering may leak into the document.
    first = _plan_in_process(path, "1")
    second = _plan_in_process(path, "2")
    assert first == second
    assert json.loads(first)["status"] == "plan"
