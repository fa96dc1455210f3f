"""Strict field types for the JSON API, where pydantic's lax parsing is too generous.

Issue 14: `until=0` was read as 1970-01-01 (a number is a Unix time to pydantic) and
`duration_days: false` as 0 days. These types refuse both, naming the field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("Enter a date as YYYY-MM-DD.")


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("Enter a whole number, not true or false.")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written YYYY-MM-DD; not a number, not a date-time."""

WholeNumber = Annotated[int, BeforeValidator(_not_bool)]
"""An integer that is not a boolean (JSON `true` is not 1 here)."""
