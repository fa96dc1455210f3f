"""The diary as a time grid for the desk: rows of half-hours, columns of practitioners (a
day) or of days (a week). A cell holds the appointments that start in it; a cell outside
the clinic's opening hours or the practitioner's availability is marked closed, so a free
slot shows as an empty open cell. Plain values in, plain values out: the view reads the
hours and the appointments through the selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from acucare.accounts.models import User
from acucare.scheduling.models import Appointment, Availability, OpeningHours

SLOT_MINUTES = 30
DEFAULT_FIRST = dt.time(8, 0)
DEFAULT_LAST = dt.time(18, 0)


@dataclass
class Cell:
    open: bool
    appointments: list[Appointment] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    time: dt.time
    cells: list[Cell]


@dataclass(frozen=True)
class Column:
    heading: str
    date: dt.date
    practitioner: User | None


@dataclass(frozen=True)
class Grid:
    columns: list[Column]
    rows: list[Row]


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _within(
    minute: int, rows: Mapping[int, OpeningHours] | Mapping[int, Availability], weekday: int
) -> bool:
    """Whether the half-hour from `minute` lies within the hours (none set: always)."""
    if not rows:
        return True
    day = rows.get(weekday)
    if day is None:
        return False
    opens, closes = day.span
    return _minutes(opens) <= minute and minute + SLOT_MINUTES <= _minutes(closes)


def _span(
    appointments: Sequence[Appointment], hours: Mapping[int, OpeningHours], days: Sequence[dt.date]
) -> tuple[int, int]:
    """The first and last minute the grid shows: the opening hours of the days shown (or
    08:00 to 18:00), widened to every appointment in it."""
    shown = [hours[d.weekday()] for d in days if d.weekday() in hours]
    first = min((_minutes(h.opens) for h in shown), default=_minutes(DEFAULT_FIRST))
    last = max((_minutes(h.closes) for h in shown), default=_minutes(DEFAULT_LAST))
    for a in appointments:
        start, end = timezone.localtime(a.start), timezone.localtime(a.end)
        first = min(first, _minutes(start.time()))
        last = max(last, 24 * 60 if end.date() > start.date() else _minutes(end.time()))
    first -= first % SLOT_MINUTES
    return first, min(last, 24 * 60)


def diary_grid(
    *,
    days: Sequence[dt.date],
    practitioners: Sequence[User],
    appointments: Sequence[Appointment],
    hours: Mapping[int, OpeningHours],
    availability: Mapping[int, Mapping[int, Availability]],
) -> Grid:
    """One day: a column for each practitioner; a week: a column for each day (for the
    practitioners given: their availability greys the grid only when there is one)."""
    if len(days) == 1:
        columns = [Column(p.display_name, days[0], p) for p in practitioners]
    else:
        only = practitioners[0] if len(practitioners) == 1 else None
        columns = [Column(d.strftime("%a %-d %b"), d, only) for d in days]
    first, last = _span(appointments, hours, days)
    rows: list[Row] = []
    index: dict[tuple[int, int], Cell] = {}
    for minute in range(first, last, SLOT_MINUTES):
        cells = []
        for number, column in enumerate(columns):
            weekday = column.date.weekday()
            works = availability.get(column.practitioner.pk, {}) if column.practitioner else {}
            cell = Cell(open=_within(minute, hours, weekday) and _within(minute, works, weekday))
            index[(minute - minute % SLOT_MINUTES, number)] = cell
            cells.append(cell)
        rows.append(Row(dt.time(minute // 60, minute % 60), cells))
    for a in appointments:
        start = timezone.localtime(a.start)
        minute = _minutes(start.time())
        for number, column in enumerate(columns):
            same = (
                column.date == start.date()
                if len(days) > 1
                else column.practitioner is not None and column.practitioner.pk == a.practitioner_id
            )
            if same:
                index[(minute - minute % SLOT_MINUTES, number)].appointments.append(a)
    return Grid(columns, rows)
