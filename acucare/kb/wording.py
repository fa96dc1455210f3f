"""Item wording of the instruments: shipped where the licence allows, else the clinic's.

acucare ships the wording only of instruments whose licence is ``free``. For the others
a clinic that holds a licence supplies the wording in its own YAML file, one
``<instrument id>.yaml`` per instrument in the folder named by the environment variable
``ACUCARE_INSTRUMENT_WORDING_DIR``. The file must match the instrument exactly::

    instrument: odi
    instructions: "..."          # optional lead-in shown above the items
    licence_reference: "..."     # optional: the clinic's licence, for the record
    items:
      - number: 1
        text: "..."
        options: {0: "...", 1: "...", 2: "...", 3: "...", 4: "...", 5: "..."}
      - ...

`parse_wording` is pure and rejects anything that does not match (wrong instrument, item
count or numbers, response codes, unknown keys, empty text). Scoring never needs the
wording, so a missing or rejected file never stops a score.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from acucare.kb.records.instruments import Instrument

WORDING_DIR_VARIABLE = "ACUCARE_INSTRUMENT_WORDING_DIR"
_TOP_KEYS = frozenset({"instrument", "instructions", "licence_reference", "items"})
_ITEM_KEYS = frozenset({"number", "text", "options"})


class WordingError(ValueError):
    """A clinic's wording file that does not match its instrument; one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


@dataclass(frozen=True, slots=True)
class ItemWording:
    number: int
    text: str
    options: Mapping[int, str]  # response code -> wording


@dataclass(frozen=True, slots=True)
class InstrumentWording:
    instrument: str
    source: Literal["shipped", "clinic"]
    items: tuple[ItemWording, ...]
    instructions: str | None = None
    licence_reference: str = ""
    attribution: str = ""


def shipped_wording(instrument: Instrument) -> InstrumentWording | None:
    """The wording that ships with acucare, or None where the licence keeps it out."""
    if not instrument.wording_ships:
        return None
    items = tuple(
        ItemWording(
            item.number,
            item.text or "",
            {o.code: o.label or "" for o in instrument.item_scale(item).options},
        )
        for item in instrument.items
    )
    return InstrumentWording(
        instrument.id,
        "shipped",
        items,
        instrument.instructions,
        attribution=instrument.attribution,
    )


def parse_wording(instrument: Instrument, document: object, source: str) -> InstrumentWording:
    """Validate a clinic's wording `document` (parsed YAML) against `instrument`."""
    if not isinstance(document, Mapping):
        raise WordingError(source, ["the file must hold a mapping with 'instrument' and 'items'"])
    problems = list(_header_problems(instrument, document))
    items = _parse_items(instrument, document.get("items"), problems)
    if problems:
        raise WordingError(source, problems)
    instructions = document.get("instructions")
    reference = document.get("licence_reference", "")
    return InstrumentWording(
        instrument.id,
        "clinic",
        tuple(items),
        instructions.strip() if isinstance(instructions, str) else None,
        reference if isinstance(reference, str) else "",
    )


def _header_problems(instrument: Instrument, document: Mapping[object, object]) -> Iterator[str]:
    """What is wrong with the fields around the items."""
    unknown = sorted(str(k) for k in document if k not in _TOP_KEYS)
    if unknown:
        yield f"unknown keys {unknown}; allowed: {sorted(_TOP_KEYS)}"
    if document.get("instrument") != instrument.id:
        named = document.get("instrument")
        yield f"instrument is {named!r}, but this file is for {instrument.id!r}"
    instructions = document.get("instructions")
    if instructions is not None and not _text(instructions):
        yield "instructions must be non-empty text when given"
    if not isinstance(document.get("licence_reference", ""), str):
        yield "licence_reference must be text"


def _parse_items(
    instrument: Instrument, raw_items: object, problems: list[str]
) -> list[ItemWording]:
    if not isinstance(raw_items, list):
        problems.append("items must be a list, one entry per item")
        return []
    if len(raw_items) != len(instrument.items):
        problems.append(
            f"items has {len(raw_items)} entries, but {instrument.id} has "
            f"{len(instrument.items)} items"
        )
        return []
    items: list[ItemWording] = []
    for expected, raw in zip(instrument.items, raw_items, strict=True):
        codes = instrument.item_scale(expected).codes()
        item = _parse_item(raw, expected.number, codes, problems)
        if item is not None:
            items.append(item)
    return items


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _parse_item(
    raw: object, number: int, codes: tuple[int, ...], problems: list[str]
) -> ItemWording | None:
    where = f"items[{number - 1}]"
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a mapping with number, text and options")
        return None
    count = len(problems)
    unknown = sorted(str(k) for k in raw if k not in _ITEM_KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {unknown}; allowed: {sorted(_ITEM_KEYS)}")
    if raw.get("number") != number or isinstance(raw.get("number"), bool):
        problems.append(f"{where}: number must be {number} (items in the published order)")
    text = raw.get("text")
    if not _text(text):
        problems.append(f"{where}: text must be non-empty text")
    options = raw.get("options")
    if not isinstance(options, Mapping):
        problems.append(f"{where}: options must map each response code to its wording")
        return None
    keys = list(options)
    if any(type(k) is not int for k in keys) or sorted(keys) != list(codes):
        problems.append(
            f"{where}: options must give exactly the response codes {list(codes)}, "
            f"got {sorted(map(str, keys))}"
        )
    elif not all(_text(options[k]) for k in keys):
        problems.append(f"{where}: every option needs non-empty wording")
    if len(problems) > count:
        return None
    assert isinstance(text, str)
    return ItemWording(number, text.strip(), {k: str(options[k]).strip() for k in codes})


def wording_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    value = (os.environ if environ is None else environ).get(WORDING_DIR_VARIABLE, "")
    return Path(value) if value.strip() else None


def clinic_wording(instrument: Instrument, directory: Path | None) -> InstrumentWording | None:
    """The clinic's wording file for `instrument`, validated; None when there is none."""
    if directory is None:
        return None
    path = directory / f"{instrument.id}.yaml"
    if not path.is_file():
        return None
    import yaml

    try:
        with path.open("rb") as handle:
            document = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise WordingError(
            str(path), [f"cannot be read as YAML: {exc}".replace("\n", " ")]
        ) from exc
    return parse_wording(instrument, document, str(path))


def wording_for(instrument: Instrument, directory: Path | None = None) -> InstrumentWording | None:
    """The wording to show: shipped when the licence allows, else the clinic's, else None.

    `directory` defaults to ``$ACUCARE_INSTRUMENT_WORDING_DIR``. A clinic file never
    replaces shipped wording. Raises `WordingError` for a clinic file that does not match.
    """
    shipped = shipped_wording(instrument)
    if shipped is not None:
        return shipped
    return clinic_wording(instrument, directory if directory is not None else wording_dir())
