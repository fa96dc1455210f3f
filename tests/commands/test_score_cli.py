"""`acucare score` and `acucare instruments` as a clinic's script runs them: real processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb.wording import WORDING_DIR_VARIABLE

# instrument -> (item count, lowest code, highest code of item 1)
SPEC = {
    "nrs": (1, 0, 10), "peg": (3, 0, 10), "phq9": (9, 0, 3), "phq4": (4, 0, 3),
    "gad7": (7, 0, 3), "pss10": (10, 0, 4), "pss4": (4, 0, 4), "startback": (9, 0, 1),
    "rmdq": (24, 0, 1), "pgic": (1, 1, 7), "odi": (10, 0, 5), "ndi": (10, 0, 5),
}  # fmt: skip


def _only_json_error(result: Any) -> dict[str, Any]:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr == ""
    assert len(result.stdout.strip().splitlines()) == 1, "one JSON object on one line"
    error: dict[str, Any] = result.json()["error"]
    return error


def test_scores_from_a_file(run_cli) -> None:
    answers = {"1": 2, "2": 1, "3": 0, "4": 3, "5": 1, "6": 0, "7": 0, "8": 1, "9": 1}
    result = run_cli("score", "phq9", document=answers)
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["instrument"] == "phq9"
    assert document["total"] == 9
    assert document["band"] == "mild"
    assert [f["code"] for f in document["flags"]] == ["self_harm_thoughts"]
    assert document["answered"] == 9
    assert document["missing"] == []
    assert document["subscales"] == {}
    assert document["kb_version"].startswith("kb-")


def test_scores_from_stdin(run_cli) -> None:
    result = run_cli("score", "peg", "-", stdin={"1": 7, "2": 6, "3": 8})
    assert result.exit_code == 0, result.stderr
    assert result.json()["total"] == 7


def test_missing_items_are_reported_not_rejected(run_cli) -> None:
    result = run_cli("score", "phq4", "-", stdin={"1": 2, "2": 1})
    assert result.exit_code == 0
    document = result.json()
    assert document["total"] is None
    assert document["missing"] == [3, 4]
    assert document["subscales"] == {"anxiety": 3}


@pytest.mark.parametrize("instrument", sorted(SPEC))
def test_every_rejection_exits_2_with_the_spec_error(run_cli, instrument: str) -> None:
    count, low, high = SPEC[instrument]
    numbers = [str(n) for n in range(1, count + 1)]
    code_range = {"min": low, "max": high}
    cases = [
        ({str(count + 1): low}, f"answers.{count + 1}", numbers),
        ({"1": high + 1}, "answers.1", code_range),
        ({"1": True}, "answers.1", code_range),
        ({"1": str(low)}, "answers.1", code_range),
        ({"1": float(low)}, "answers.1", code_range),
    ]
    for answers, field, allowed in cases:
        error = _only_json_error(run_cli("score", instrument, "-", stdin=answers))
        assert error["field"] == field, answers
        assert error["allowed"] == allowed, answers
        assert error["message"]


def test_unknown_instrument(run_cli) -> None:
    error = _only_json_error(run_cli("score", "phq-9", "-", stdin={}))
    assert error["field"] == "instrument"
    assert error["allowed"] == sorted(SPEC)


@pytest.mark.parametrize(
    ("stdin", "field"),
    [("{not json", "answers"), ("[1, 2]", "answers"), ('"text"', "answers")],
)
def test_malformed_or_non_object_answers(run_cli, stdin: str, field: str) -> None:
    error = _only_json_error(run_cli("score", "gad7", "-", stdin=stdin))
    assert error["field"] == field


def test_missing_answers_file(run_cli, tmp_path: Path) -> None:
    error = _only_json_error(run_cli("score", "gad7", str(tmp_path / "absent.json")))
    assert error["field"] == "answers"


def test_instruments_json_lists_the_contract_fields(run_cli) -> None:
    result = run_cli("instruments", "--json")
    assert result.exit_code == 0, result.stderr
    listing = {entry["id"]: entry for entry in result.json()}
    assert set(listing) == set(SPEC)
    for key, entry in listing.items():
        assert {"id", "name", "items", "licence", "wording_ships"} <= set(entry)
        assert entry["items"] == SPEC[key][0]
    assert listing["phq9"]["licence"] == "free"
    assert listing["phq9"]["wording"] == "shipped"
    assert listing["odi"]["wording_ships"] is False
    assert listing["startback"]["licence"] == "free_non_commercial"


def test_instruments_table(run_cli) -> None:
    result = run_cli("instruments")
    assert result.exit_code == 0
    assert "phq9" in result.stdout
    assert "12 instruments" in result.stdout


def test_one_instrument_in_full(run_cli) -> None:
    result = run_cli("instruments", "phq9", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert len(document["questions"]) == 9
    assert document["questions"][8]["options"][1] == {
        "code": 1,
        "label": "Several days",
        "scored": 1,
    }
    assert {f["code"] for f in document["flags"]} >= {"self_harm_thoughts"}
    pss = run_cli("instruments", "pss10", "--json").json()
    assert [q["reversed"] for q in pss["questions"]].count(True) == 4
    assert all(q["text"] is None for q in pss["questions"])
    error = _only_json_error(run_cli("instruments", "sf36"))
    assert error["field"] == "instrument"


def test_clinic_wording_folder(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wording = {
        "instrument": "ndi",
        "items": [
            {"number": n, "text": f"Item {n}", "options": {c: f"option {c}" for c in range(6)}}
            for n in range(1, 11)
        ],
    }
    (tmp_path / "ndi.yaml").write_text(yaml.safe_dump(wording), encoding="utf-8")
    broken = {**wording, "instrument": "odi", "items": wording["items"][:9]}
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    monkeypatch.setenv(WORDING_DIR_VARIABLE, str(tmp_path))
    listing = {e["id"]: e for e in run_cli("instruments", "--json").json()}
    assert listing["ndi"]["wording"] == "clinic"
    assert listing["odi"]["wording"] == "invalid"
    assert any("has 9 entries" in p for p in listing["odi"]["wording_problems"])
    detail = run_cli("instruments", "ndi", "--json").json()
    assert detail["questions"][0]["text"] == "Item 1"
    # Scoring never depends on the wording.
    scored = run_cli("score", "odi", "-", stdin={str(n): 1 for n in range(1, 11)})
    assert json.loads(scored.stdout)["total"] == 20
