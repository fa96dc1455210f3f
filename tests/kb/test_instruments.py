"""The instrument records: licences against shipped wording, sources, codes, and the
checks that keep a broken record out of the registry."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from acucare.kb import Registry
from acucare.kb.loader import DEFAULT_KNOWLEDGE_DIR
from acucare.kb.records.base import CitationRef, acts_on
from acucare.kb.records.citations import Citation
from acucare.kb.records.instruments import (
    Band,
    FlagRule,
    Instrument,
    _problems,
    compile_instrument,
)
from acucare.kb.wording import (
    WORDING_DIR_VARIABLE,
    WordingError,
    clinic_wording,
    parse_wording,
    shipped_wording,
    wording_for,
)

INSTRUMENT_FILES = sorted((DEFAULT_KNOWLEDGE_DIR / "instruments").glob("*.yaml"))
SHIPS_WORDING = {"nrs", "pgic", "phq9", "phq4", "gad7"}
CLINIC_SUPPLIES = {"peg", "startback", "rmdq", "pss10", "pss4", "odi", "ndi"}
# Only the LOINC codes the reference sheet verifies (§5.1).
VERIFIED_LOINC = {"nrs": "72514-3", "phq9": "44261-6", "gad7": "70274-6"}


def test_wording_ships_exactly_where_the_licence_allows(registry: Registry) -> None:
    instruments = registry.of(Instrument)
    assert {k for k, i in instruments.items() if i.wording_ships} == SHIPS_WORDING
    assert {k for k, i in instruments.items() if not i.wording_ships} >= CLINIC_SUPPLIES
    for key, instrument in instruments.items():
        if instrument.licence != "free":
            assert not instrument.wording_ships, key
            assert shipped_wording(instrument) is None, key
            assert instrument.instructions is None, key
            assert all(item.text is None for item in instrument.items), key
            assert all(o.label is None for s in instrument.scales for o in s.options), key
        if instrument.wording_ships:
            wording = shipped_wording(instrument)
            assert wording is not None
            assert all(item.text for item in wording.items), key
            assert all(all(item.options.values()) for item in wording.items), key


@pytest.mark.parametrize("path", INSTRUMENT_FILES, ids=lambda p: p.stem)
def test_no_licensed_wording_in_the_shipped_files(path: Path) -> None:
    """Read the raw YAML too: no text or label of a non-free instrument ships at all."""
    (record,) = yaml.safe_load(path.read_text(encoding="utf-8"))
    if record["licence"] == "free":
        return
    assert record["wording_ships"] is False
    assert record.get("instructions") is None
    for item in record["items"]:
        assert item.get("text") is None, f"{path.name}: item {item['number']} has text"
    for scale in record["scales"]:
        for option in scale["options"]:
            assert option.get("label") is None, f"{path.name}: {scale['id']} has labels"


def test_free_licences_are_the_pfizer_family_or_our_own_wording(registry: Registry) -> None:
    for key, instrument in registry.of(Instrument).items():
        if instrument.licence != "free":
            continue
        pfizer = any(r.id == "pfizer_phq_release" for r in instrument.licence_citations)
        assert pfizer or "written for acucare" in instrument.licence_note, key
        if pfizer:
            assert "Pfizer" in instrument.attribution, key


def test_every_instrument_cites_resolving_acting_sources(registry: Registry) -> None:
    known = registry.of(Citation)
    for key, instrument in registry.of(Instrument).items():
        assert acts_on(instrument.citations), key
        assert acts_on(instrument.scoring.citations), key
        for ref in _all_refs(instrument):
            assert ref.id in known, f"{key}: {ref.id}"
        if instrument.bands:
            assert acts_on(instrument.band_citations), key
        for flag in instrument.flags:
            assert acts_on(flag.citations), f"{key}: {flag.code}"


def _all_refs(value: Any) -> list[CitationRef]:
    from acucare.kb.records.citations import iter_citation_refs

    return [ref for _, ref in iter_citation_refs(value, "")]


def test_loinc_codes_only_where_verified(registry: Registry) -> None:
    codes = {k: i.loinc.code for k, i in registry.of(Instrument).items() if i.loinc}
    assert codes == VERIFIED_LOINC


def test_no_band_where_the_reference_gives_none(registry: Registry) -> None:
    """PSS bands are non-normative, PEG has none in its paper, NRS and RMDQ have none."""
    instruments = registry.of(Instrument)
    for key in ("pss10", "pss4", "peg", "nrs", "rmdq"):
        assert instruments[key].bands == (), key


def test_spec_codings(registry: Registry) -> None:
    """Item counts and code ranges of the interface spec's table."""
    expected = {
        "nrs": (1, (0, 10)), "peg": (3, (0, 10)), "phq9": (9, (0, 3)), "phq4": (4, (0, 3)),
        "gad7": (7, (0, 3)), "pss10": (10, (0, 4)), "pss4": (4, (0, 4)),
        "rmdq": (24, (0, 1)), "pgic": (1, (1, 7)), "odi": (10, (0, 5)), "ndi": (10, (0, 5)),
    }  # fmt: skip
    instruments = registry.of(Instrument)
    for key, (count, (low, high)) in expected.items():
        instrument = instruments[key]
        assert len(instrument.items) == count, key
        for item in instrument.items:
            assert instrument.item_scale(item).codes() == tuple(range(low, high + 1)), key
    startback = instruments["startback"]
    assert [startback.item_scale(i).codes() for i in startback.items] == [(0, 1)] * 8 + [
        (0, 1, 2, 3, 4)
    ]


def test_compiled_tables_survive_the_registry_cache(registry: Registry) -> None:
    tables = registry.index("instrument_tables")
    assert set(tables) == set(registry.of(Instrument))
    copy = pickle.loads(pickle.dumps(tables))
    assert copy == tables


# ------------------------------------------------------------------- record checks

Change = Callable[[Instrument], Instrument]


def _replace_first_item(**changes: Any) -> Change:
    def change(instrument: Instrument) -> Instrument:
        items = (dataclasses.replace(instrument.items[0], **changes), *instrument.items[1:])
        return dataclasses.replace(instrument, items=items)

    return change


BROKEN: dict[str, tuple[str, Change, str]] = {
    "licensed wording shipped": (
        "odi",
        lambda i: dataclasses.replace(i, wording_ships=True),
        "does not allow shipping wording",
    ),
    "text without shipping": ("odi", _replace_first_item(text="Pain"), "text must be null"),
    "shipped item without text": ("phq9", _replace_first_item(text=None), "needs its text"),
    "items out of order": ("phq9", _replace_first_item(number=2), "numbered 1…N"),
    "unknown scale": ("phq9", _replace_first_item(scale="nope"), "unknown response scale"),
    "bands falling": (
        "gad7",
        lambda i: dataclasses.replace(
            i, bands=(*i.bands, Band(code="extra", label="Extra", min=1))
        ),
        "must rise",
    ),
    "bands starting above the lowest total": (
        "gad7",
        lambda i: dataclasses.replace(i, bands=i.bands[1:]),
        "first band must start",
    ),
    "flag on an unknown band": (
        "startback",
        lambda i: dataclasses.replace(
            i,
            flags=(
                FlagRule(
                    code="x",
                    kind="band_is",
                    message="x",
                    band="extreme",
                    citations=i.citations,
                ),
            ),
        ),
        "band_is needs",
    ),
    "flag on an unknown item": (
        "phq9",
        lambda i: dataclasses.replace(
            i,
            flags=(
                FlagRule(
                    code="x",
                    kind="item_at_least",
                    message="x",
                    item=10,
                    at_least=1,
                    citations=i.citations,
                ),
            ),
        ),
        "existing item",
    ),
    "prorating without a source": (
        "ndi",
        lambda i: dataclasses.replace(
            i, scoring=dataclasses.replace(i.scoring, missing_citations=())
        ),
        "missing-item rule needs",
    ),
    "scoring from unverified sources only": (
        "rmdq",
        lambda i: dataclasses.replace(
            i,
            scoring=dataclasses.replace(
                i.scoring, citations=(CitationRef(id="roland1983", evidence="unverified"),)
            ),
        ),
        "scoring rule needs",
    ),
    "loinc without a source": (
        "phq9",
        lambda i: dataclasses.replace(
            i,
            loinc=dataclasses.replace(
                i.loinc,  # type: ignore[type-var]
                citations=(CitationRef(id="loinc", evidence="unverified"),),
            ),
        ),
        "loinc",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_records_are_reported(registry: Registry, case: str) -> None:
    key, change, expected = BROKEN[case]
    original = registry.of(Instrument)[key]
    assert list(_problems(original)) == []
    problems = list(_problems(change(original)))
    assert any(expected in p for p in problems), problems


def test_inert_parts_are_not_compiled(registry: Registry) -> None:
    phq9 = registry.of(Instrument)["phq9"]
    assert phq9.change is not None
    unverified = (CitationRef(id="kroenke2001", evidence="unverified"),)
    change = dataclasses.replace(
        phq9.change,
        thresholds=tuple(
            dataclasses.replace(t, citations=unverified) for t in phq9.change.thresholds
        ),
    )
    table = compile_instrument(dataclasses.replace(phq9, change=change))
    assert table.thresholds == ()
    assert table.inert_thresholds == 1
    inert_bands = compile_instrument(dataclasses.replace(phq9, band_citations=unverified))
    assert inert_bands.bands == ()


# --------------------------------------------------------------- clinic wording


def _odi_wording(items: int = 10, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "instrument": "odi",
        "instructions": "Please tick one box in each section.",
        "licence_reference": "Clinic licence 2025-001",
        "items": [
            {
                "number": n,
                "text": f"Section {n}",
                "options": {code: f"statement {code}" for code in range(6)},
            }
            for n in range(1, items + 1)
        ],
    }
    document.update(changes)
    return document


def test_clinic_wording_is_accepted(registry: Registry) -> None:
    odi = registry.of(Instrument)["odi"]
    wording = parse_wording(odi, _odi_wording(), "odi.yaml")
    assert wording.source == "clinic"
    assert len(wording.items) == 10
    assert wording.items[0].options[5] == "statement 5"
    assert wording.licence_reference == "Clinic licence 2025-001"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (_odi_wording(items=9), "has 9 entries, but odi has 10 items"),
        (_odi_wording(items=11), "has 11 entries"),
        (_odi_wording(instrument="ndi"), "this file is for 'odi'"),
        (_odi_wording(extra="x"), "unknown keys ['extra']"),
        (_odi_wording(items=0), "has 0 entries"),
        ([], "must hold a mapping"),
        (_odi_wording(instructions=""), "instructions must be non-empty"),
    ],
)
def test_clinic_wording_is_rejected(registry: Registry, document: Any, expected: str) -> None:
    odi = registry.of(Instrument)["odi"]
    with pytest.raises(WordingError) as caught:
        parse_wording(odi, document, "odi.yaml")
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert str(caught.value).startswith("odi.yaml: ")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"number": 3}, "number must be 1"),
        ({"text": "  "}, "text must be non-empty"),
        ({"options": {0: "a", 1: "b"}}, "exactly the response codes [0, 1, 2, 3, 4, 5]"),
        ({"options": {str(c): "x" for c in range(6)}}, "exactly the response codes"),
        ({"options": dict.fromkeys(range(6), "")}, "needs non-empty wording"),
        ({"colour": "red"}, "unknown keys ['colour']"),
    ],
)
def test_clinic_item_wording_is_rejected(
    registry: Registry, change: dict[str, Any], expected: str
) -> None:
    odi = registry.of(Instrument)["odi"]
    document = _odi_wording()
    document["items"][0] = {**document["items"][0], **change}
    with pytest.raises(WordingError) as caught:
        parse_wording(odi, document, "odi.yaml")
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_wording_is_read_from_the_clinic_folder(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instruments = registry.of(Instrument)
    odi, phq9 = instruments["odi"], instruments["phq9"]
    monkeypatch.delenv(WORDING_DIR_VARIABLE, raising=False)
    assert wording_for(odi) is None
    monkeypatch.setenv(WORDING_DIR_VARIABLE, str(tmp_path))
    assert wording_for(odi) is None  # no file yet
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump(_odi_wording()), encoding="utf-8")
    wording = wording_for(odi)
    assert wording is not None
    assert wording.source == "clinic"
    # Shipped wording is never replaced by a clinic file.
    (tmp_path / "phq9.yaml").write_text("instrument: phq9\nitems: []\n", encoding="utf-8")
    shipped = wording_for(phq9)
    assert shipped is not None
    assert shipped.source == "shipped"
    assert shipped.items[8].text.startswith("Thoughts that you would be better off dead")
    (tmp_path / "odi.yaml").write_text("items: [unclosed", encoding="utf-8")
    with pytest.raises(WordingError, match="cannot be read as YAML"):
        clinic_wording(odi, tmp_path)
