"""The small-number rule: a count under five (other than none) is never shown, nor is any
figure computed from fewer than five courses, so that no patient can be picked out of a
table, a plot or an export.

`shown` is the single place that decides; tables, plots and CSV files all call it."""

from __future__ import annotations

from dataclasses import dataclass

from acucare.domain.errors import InputError

THRESHOLD = 5
SUPPRESSED = "<5"


@dataclass(frozen=True, slots=True)
class Cell:
    """One count as it may be published: its value, or None with the mark to print."""

    value: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None and self.text == SUPPRESSED


def shown(count: int) -> Cell:
    """A count as it may be shown: 0 and 5 or more as they are, 1–4 as "<5"."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InputError("count", "must be a whole number, 0 or more", {"min": 0})
    if 0 < count < THRESHOLD:
        return Cell(None, SUPPRESSED)
    return Cell(count, str(count))


def enough(denominator: int) -> bool:
    """Whether a figure computed over `denominator` courses (a mean, a rate, a share) may
    be shown: only over five or more."""
    return denominator >= THRESHOLD
