"""`acucare fhir questionnaire INSTRUMENT` (contract part 2): real processes, R4B models."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from fhir.resources.R4B.questionnaire import Questionnaire

from acucare.kb.wording import WORDING_DIR_VARIABLE

SHIPPED = ["gad7", "nrs", "pgic", "phq4", "phq9"]
# Total-score LOINC codes verified in the evidence reference (section 0, rule 10).
LOINC = {"phq9": "44261-6", "gad7": "70274-6", "nrs": "72514-3"}


@pytest.mark.parametrize("instrument", SHIPPED)
def test_every_instrument_whose_wording_ships_is_a_valid_questionnaire(run_cli, instrument):
    result = run_cli("fhir", "questionnaire", instrument)
    assert result.exit_code == 0, result.stdout + result.stderr
    document = result.json()
    Questionnaire.model_validate(document)
    assert document["id"] == instrument
    assert document["url"].endswith(f"/Questionnaire/{instrument}")
    questions = [i for i in document["item"] if i["type"] == "choice"]
    assert [q["linkId"] for q in questions] == [str(n) for n in range(1, len(questions) + 1)]
    assert all(q["text"] and q["answerOption"] for q in questions)
    totals = [i for i in document["item"] if i["linkId"] == "total"]
    if instrument in LOINC:
        assert totals[0]["code"][0] == {
            "system": "http://loinc.org",
            "code": LOINC[instrument],
            "display": totals[0]["code"][0]["display"],
        }
    else:
        assert all("code" not in t for t in totals)


def test_the_phq9_keeps_its_wording_codes_and_attribution(run_cli):
    document = run_cli("fhir", "questionnaire", "phq9").json()
    item9 = next(i for i in document["item"] if i["linkId"] == "9")
    assert item9["text"].startswith("Thoughts that you would be better off dead")
    options = [o["valueCoding"] for o in item9["answerOption"]]
    assert [o["code"] for o in options] == ["0", "1", "2", "3"]
    assert options[3]["display"] == "Nearly every day"
    assert options[3]["extension"][0]["valueDecimal"] == 3
    assert "Pfizer" in document["copyright"]
    assert document["item"][0]["type"] == "display"  # the instructions
    assert next(i for i in document["item"] if i["linkId"] == "total")["type"] == "integer"


def test_a_rating_of_change_has_no_score_item(run_cli):
    document = run_cli("fhir", "questionnaire", "pgic").json()
    assert "total" not in [i["linkId"] for i in document["item"]]


def _error(result: Any) -> dict[str, Any]:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr == ""
    assert len(result.stdout.strip().splitlines()) == 1
    error: dict[str, Any] = result.json()["error"]
    return error


def test_an_instrument_whose_wording_does_not_ship_is_refused(run_cli):
    error = _error(run_cli("fhir", "questionnaire", "peg"))
    assert error["field"] == "instrument"
    assert "does not ship" in error["message"]
    assert error["allowed"] == SHIPPED


def test_an_unknown_instrument_is_refused(run_cli):
    error = _error(run_cli("fhir", "questionnaire", "hads"))
    assert error == {
        "field": "instrument",
        "message": "unknown instrument 'hads'",
        "allowed": SHIPPED,
    }


def test_a_missing_subcommand_is_refused(run_cli):
    assert _error(run_cli("fhir"))["allowed"] == ["questionnaire"]


def test_the_clinics_licensed_wording_makes_a_questionnaire(run_cli, tmp_path, monkeypatch):
    wording = {
        "instrument": "ndi",
        "licence_reference": "Licence 42",
        "items": [
            {"number": n, "text": f"Item {n}", "options": {c: f"Answer {c}" for c in range(6)}}
            for n in range(1, 11)
        ],
    }
    (tmp_path / "ndi.yaml").write_text(yaml.safe_dump(wording), encoding="utf-8")
    monkeypatch.setenv(WORDING_DIR_VARIABLE, str(tmp_path))
    result = run_cli("fhir", "questionnaire", "ndi")
    assert result.exit_code == 0, result.stdout
    document = result.json()
    Questionnaire.model_validate(document)
    assert document["item"][0]["text"] == "Item 1"
    assert document["copyright"].endswith("Clinic licence: Licence 42")
