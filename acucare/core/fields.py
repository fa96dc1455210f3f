"""Form fields every app's forms share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from acucare.domain.dates import EARLIEST, LATEST, clinic_date
from acucare.domain.errors import InputError


class ClinicDateField(forms.DateField):
    """A date typed as YYYY-MM-DD (the browser's date picker sends that form) and
    inside the span the clinic records (`acucare.domain.dates`): 0001-01-01 or
    9999-12-31 is a field error, never an overflow further on."""

    widget = forms.DateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
                format="%Y-%m-%d",
            ),
        )
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Give a date as YYYY-MM-DD, e.g. 2026-03-05."

    def to_python(self, value: Any) -> dt.date | None:
        date: dt.date | None = super().to_python(value)
        if date is None:
            return None
        try:
            return clinic_date(date, str(self.label or "date"))
        except InputError as error:
            raise forms.ValidationError(error.message, code="out_of_span") from error
