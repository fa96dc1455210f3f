"""CSV files streamed a line at a time (the audit export, the analytics tables and the
research export), with spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: one starting with = + - @ gets a leading '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header, then one CSV line per row, each yielded as soon as it is written. Cells
    are passed through `safe_cell` unless they are numbers (a negative change stays a
    number)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield flush()
    for row in rows:
        writer.writerow(
            [
                cell
                if isinstance(cell, int | float) and not isinstance(cell, bool)
                else safe_cell(cell)
                for cell in row
            ]
        )
        yield flush()
