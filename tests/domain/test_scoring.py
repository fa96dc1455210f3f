"""The questionnaire scorer against golden vectors from the instruments' publications.

Each `golden/scoring/<id>.yaml` cites the manual or paper its expected values come from.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.domain.errors import InputError
from acucare.domain.scoring import ScoreResult, classify_change, score
from acucare.kb import Registry
from acucare.kb.records.instruments import Instrument, compile_instrument

GOLDEN = Path(__file__).parent / "golden" / "scoring"


def _golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.yaml"))


def _cases() -> list[Any]:
    params = []
    for path in _golden_files():
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in table["cases"]:
            params.append(
                pytest.param(table["instrument"], case, id=f"{path.stem}: {case['name']}")
            )
    return params


def _answers(case: dict[str, Any]) -> Any:
    if "answers" in case:
        return case["answers"]
    return {str(n): code for n, code in enumerate(case["codes"], start=1) if code is not None}


@pytest.mark.parametrize(("instrument", "case"), _cases())
def test_golden_vector(registry: Registry, instrument: str, case: dict[str, Any]) -> None:
    answers = _answers(case)
    if "error" in case:
        with pytest.raises(InputError) as caught:
            score(registry, instrument, answers)
        assert caught.value.field == case["error"]["field"]
        assert caught.value.as_document()["error"]["allowed"] == case["error"]["allowed"]
        assert caught.value.message
        return
    document = score(registry, instrument, answers).as_document()
    expected = dict(case["expect"])
    expected_flags = expected.pop("flags", None)
    for key, value in expected.items():
        assert document[key] == value, f"{key}: {document[key]!r} != {value!r}"
    if expected_flags is not None:
        assert [flag["code"] for flag in document["flags"]] == expected_flags
    if "missing" not in expected:
        assert document["answered"] + len(document["missing"]) == len(
            registry.of(Instrument)[instrument].items
        )


def test_every_instrument_has_a_golden_table(registry: Registry) -> None:
    tables = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in _golden_files()}
    assert set(tables) == set(registry.of(Instrument))
    for name, table in tables.items():
        cases = table["cases"]
        assert table["instrument"] == name
        assert table["sources"], f"{name}: cite the source of the expected values"
        assert len(cases) >= 6, f"{name}: at least six cases"
        assert any("error" in c for c in cases), f"{name}: a rejected answer"
        assert any(None in c.get("codes", [0]) or c.get("answers") == {} for c in cases), (
            f"{name}: the missing-item rule"
        )


def test_golden_sources_are_in_the_bibliography(registry: Registry) -> None:
    from acucare.kb.records.citations import Citation

    known = registry.of(Citation)
    for path in _golden_files():
        sources = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
        for key in sources:
            assert key == "note" or key in known, f"{path.name}: unknown source {key}"


# -------------------------------------------------------- rejected input, everywhere

INSTRUMENT_IDS = [
    "nrs", "peg", "phq9", "phq4", "gad7", "pss10", "pss4", "startback", "rmdq", "pgic",
    "odi", "ndi",
]  # fmt: skip


def _first_range(registry: Registry, instrument_id: str) -> dict[str, int]:
    instrument = registry.of(Instrument)[instrument_id]
    codes = instrument.item_scale(instrument.items[0]).codes()
    return {"min": codes[0], "max": codes[-1]}


def test_the_spec_instruments_are_all_present(registry: Registry) -> None:
    assert set(INSTRUMENT_IDS) <= set(registry.of(Instrument))


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
@pytest.mark.parametrize(
    "bad",
    [True, False, "1", 1.0, 0.5, None, [1], {"code": 1}],
    ids=["true", "false", "text", "float", "half", "null", "list", "object"],
)
def test_wrong_types_are_rejected_for_every_instrument(
    registry: Registry, instrument_id: str, bad: object
) -> None:
    with pytest.raises(InputError) as caught:
        score(registry, instrument_id, {"1": bad})
    assert caught.value.field == "answers.1"
    assert caught.value.allowed == _first_range(registry, instrument_id)


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_codes_outside_the_scale_are_rejected(registry: Registry, instrument_id: str) -> None:
    allowed = _first_range(registry, instrument_id)
    for code in (allowed["min"] - 1, allowed["max"] + 1, 10**12):
        with pytest.raises(InputError) as caught:
            score(registry, instrument_id, {"1": code})
        assert caught.value.field == "answers.1"
        assert caught.value.allowed == allowed
        assert str(code) in caught.value.message


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_unknown_items_are_rejected(registry: Registry, instrument_id: str) -> None:
    count = len(registry.of(Instrument)[instrument_id].items)
    numbers = [str(n) for n in range(1, count + 1)]
    for key in ("0", str(count + 1), "01", " 1", "one", ""):
        with pytest.raises(InputError) as caught:
            score(registry, instrument_id, {key: 0})
        assert caught.value.field == f"answers.{key}"
        assert caught.value.allowed == numbers


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
@pytest.mark.parametrize("bad", [[0, 1], "1=2", 3, None], ids=["list", "text", "int", "null"])
def test_answers_must_be_an_object(registry: Registry, instrument_id: str, bad: object) -> None:
    with pytest.raises(InputError) as caught:
        score(registry, instrument_id, bad)
    assert caught.value.field == "answers"


def test_unknown_instrument_lists_the_known_ones(registry: Registry) -> None:
    with pytest.raises(InputError) as caught:
        score(registry, "phq-9", {})
    assert caught.value.field == "instrument"
    assert caught.value.allowed == sorted(registry.of(Instrument))


def test_the_caller_names_the_field(registry: Registry) -> None:
    with pytest.raises(InputError) as caught:
        score(registry, "phq9", {"3": 9}, field="questionnaires.phq9")
    assert caught.value.field == "questionnaires.phq9.3"
    with pytest.raises(InputError) as caught:
        score(registry, "xyz", {}, instrument_field="questionnaires.xyz")
    assert caught.value.field == "questionnaires.xyz"


# ------------------------------------------------------------------ the document


def test_score_document_has_the_spec_fields(registry: Registry) -> None:
    document = score(registry, "phq9", {"1": 1, "9": 2}).as_document()
    assert set(document) >= {
        "instrument", "version", "total", "band", "subscales", "flags", "answered", "missing",
    }  # fmt: skip
    assert document["instrument"] == "phq9"
    assert isinstance(document["version"], str)
    assert document["missing"] == [2, 3, 4, 5, 6, 7, 8]
    assert document["answered"] == 2
    assert all(set(flag) >= {"code", "message"} for flag in document["flags"])
    assert document["kb_version"] == registry.version
    assert document["produced_by"] == f"phq9@{document['version']}"


def test_result_is_immutable_and_documents_are_fresh(registry: Registry) -> None:
    result = score(registry, "phq4", {"1": 1, "2": 1, "3": 1, "4": 1})
    assert isinstance(result, ScoreResult)
    with pytest.raises(AttributeError):
        result.total = 99  # type: ignore[misc]
    first = result.as_document()
    first["subscales"]["anxiety"] = 99
    assert result.as_document()["subscales"]["anxiety"] == 2


def test_self_harm_flag_whatever_the_total(registry: Registry) -> None:
    """Every answer pattern with item 9 above 0 carries the flag (spec rule)."""
    for item9 in (1, 2, 3):
        for others in (0, 1, 2, 3):
            answers = {str(n): others for n in range(1, 9)} | {"9": item9}
            assert "self_harm_thoughts" in score(registry, "phq9", answers).flag_codes()
    assert "self_harm_thoughts" not in score(registry, "phq9", {"9": 0}).flag_codes()


def test_unverified_thresholds_never_act(registry: Registry) -> None:
    """A change threshold whose sources are all unverified is stored but inert."""
    instrument = registry.of(Instrument)["phq9"]
    assert instrument.change is not None
    assert instrument.change.thresholds
    assert classify_change(registry, "phq9", 20, 5).category == "better"  # Löwe 2004, verified
    unverified = tuple(
        replace(t, citations=tuple(replace(c, evidence="unverified") for c in t.citations))
        for t in instrument.change.thresholds
    )
    record = replace(instrument, change=replace(instrument.change, thresholds=unverified))
    table = compile_instrument(record)
    assert table.thresholds == ()
    assert table.inert_thresholds == len(unverified)
    assert table.mid == 0
