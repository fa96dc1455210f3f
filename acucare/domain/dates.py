"""The span of dates the clinic works with, stated once.

A date typed into a form or sent to the API is a date of birth, an episode's start, a
session, an appointment or a credential's expiry: nothing the clinic records lies before
1900 or after 2100. Anything outside that span is a typing slip (0001-01-01, 9999-12-31)
and is refused as a field error before any arithmetic on it can overflow.
"""

from __future__ import annotations

import datetime as dt

from acucare.domain.errors import InputError

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def out_of_span_message() -> str:
    return "Give a date from 1 Jan 1900 to 31 Dec 2100."


def clinic_date(value: dt.date, field: str) -> dt.date:
    """`value` if the clinic can record it, else InputError naming `field`."""
    if not EARLIEST <= value <= LATEST:
        raise InputError(
            field,
            out_of_span_message(),
            {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
        )
    return value


def parse_clinic_date(text: str, field: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) inside the clinic's span, else InputError naming `field`."""
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(field, "Give a date as YYYY-MM-DD, e.g. 2026-03-05.") from exc
    return clinic_date(value, field)
