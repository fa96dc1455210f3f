"""Example outcome readings and how the change between them must be read.

Each example names an instrument and gives its readings: a baseline and a follow-up, each
either a total or the item codes as a clinic records them (``null`` for an unanswered
item, so that the instrument's missing-item rule is exercised: ODI and NDI prorate one
missed section). A rating of change (PGIC) has a follow-up reading only. `expected` holds
the change category the reading must get (``null`` when the instrument has no verified
threshold and so gives none) and, where item codes are given, the totals they must score
to. tests/domain/test_change_examples.py runs every one through `score` and
`classify_change`; they document the floor rules of issue 9 item 10 (NRS 1 → 2 is not a
worsening, RMDQ 2 → 3 and ODI 10 → 14 are not "worse") beside the instruments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from acucare.kb.records.base import STRICT, CollectionSpec, NonEmptyStr, Problem
from acucare.kb.records.instruments import ChangeCategory, Instrument

if TYPE_CHECKING:
    from acucare.kb.registry import Registry


@dataclass(frozen=True)
class Reading:
    """One completed questionnaire: its total, or its item codes in item order."""

    __pydantic_config__ = STRICT

    total: float | None = None
    codes: tuple[int | None, ...] | None = None

    def answers(self) -> dict[str, int]:
        """The item codes as `score` takes them (unanswered items left out)."""
        return {str(i + 1): code for i, code in enumerate(self.codes or ()) if code is not None}


@dataclass(frozen=True)
class ExpectedChange:
    __pydantic_config__ = STRICT

    category: ChangeCategory | None  # null: the instrument gives no category
    baseline_total: float | None = None  # when the baseline is given as item codes
    follow_up_total: float | None = None  # when the follow-up is given as item codes


@dataclass(frozen=True)
class ChangeExample:
    __pydantic_config__ = STRICT

    id: NonEmptyStr
    description: NonEmptyStr
    instrument: NonEmptyStr
    follow_up: Reading
    expected: ExpectedChange
    baseline: Reading | None = None  # absent only for a rating of change (PGIC)


COLLECTION = CollectionSpec("change_examples", ChangeExample, "id")


def _reading_problems(
    name: str, reading: Reading, instrument: Instrument, expected_total: float | None
) -> Iterator[str]:
    if (reading.total is None) == (reading.codes is None):
        yield f"{name} gives either `total` or `codes`, not both and not neither"
    if reading.codes is not None:
        if len(reading.codes) != len(instrument.items):
            yield (
                f"{name}.codes has {len(reading.codes)} entries; {instrument.id} has "
                f"{len(instrument.items)} items"
            )
    elif expected_total is not None:
        yield f"expected.{name}_total is only for a {name} given as item codes"


def check(registry: Registry) -> Iterator[Problem]:
    instruments = registry.of(Instrument)
    for key, example in registry.of(ChangeExample).items():
        where = f"{registry.source_of('change_examples', key)}: {key}"
        instrument = instruments.get(example.instrument)
        if instrument is None:
            yield Problem(where, f"names unknown instrument '{example.instrument}'")
            continue
        rating = instrument.scoring.method == "category"
        if rating and example.baseline is not None:
            yield Problem(where, f"{instrument.id} rates change itself: give only a follow_up")
        if not rating and example.baseline is None:
            yield Problem(where, "a change needs a baseline reading")
        expected = example.expected
        readings = [("follow_up", example.follow_up, expected.follow_up_total)]
        if example.baseline is not None:
            readings.append(("baseline", example.baseline, expected.baseline_total))
        for name, reading, total in readings:
            for message in _reading_problems(name, reading, instrument, total):
                yield Problem(where, message)
