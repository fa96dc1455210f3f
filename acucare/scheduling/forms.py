from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.utils import timezone

from acucare.core.fields import ClinicDateField
from acucare.scheduling.models import (
    MAX_MINUTES,
    MIN_MINUTES,
    NOTE_MAX_LENGTH,
    ROOM_NAME_MAX_LENGTH,
    AppointmentKind,
    Weekday,
)
from acucare.scheduling.services import Period

NOTE_HELP = (
    "For the desk only, e.g. “prefers a ground-floor room” or “bringing an interpreter”. "
    "Do not write symptoms, diagnoses or treatment here: reception can read it."
)


class AppointmentForm(forms.Form):
    practitioner = forms.ChoiceField()
    date = ClinicDateField()
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        help_text="24-hour clock, clinic time.",
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=MIN_MINUTES, max_value=MAX_MINUTES, initial=45
    )
    kind = forms.ChoiceField(choices=AppointmentKind.choices, initial=AppointmentKind.TREATMENT)
    room = forms.ChoiceField(required=False)
    note = forms.CharField(
        label="Booking note (no clinical details)",
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=NOTE_HELP,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def __init__(
        self,
        *args: Any,
        practitioners: list[Any],
        editing: bool,
        rooms: list[Any] | None = None,
        warnings: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [("", "Choose…")] + [
            (str(p.public_id), p.display_name) for p in practitioners
        ]
        if rooms:
            cast(forms.ChoiceField, self.fields["room"]).choices = [("", "No room chosen")] + [
                (str(r.public_id), r.name if r.in_use else f"{r.name} (no longer in use)")
                for r in rooms
            ]
        else:
            del self.fields["room"]
        if warnings:
            # Shown once the booking has been checked: the desk books anyway knowingly.
            self.fields["accept_warnings"] = forms.BooleanField(
                required=False, label="Book it anyway: the patient and practitioner agree"
            )
        if editing:
            del self.fields["submission"]
        else:
            del self.fields["version"]

    def start(self) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(
            data["date"], data["time"], tzinfo=timezone.get_current_timezone()
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (no clinical details)",
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text="E.g. “patient rang to rearrange” or “practitioner unwell”.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class MarkForm(forms.Form):
    status = forms.CharField(max_length=20)
    version = forms.IntegerField()


class WeekForm(forms.Form):
    """A week of hours, one period a day; a day left blank is closed (or a day off)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            for edge, label in (("starts", "from"), ("ends", "until")):
                self.fields[f"{edge}_{day.value}"] = forms.TimeField(
                    required=False,
                    label=f"{day.label} {label}",
                    widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in Weekday:
            starts, ends = data.get(f"starts_{day.value}"), data.get(f"ends_{day.value}")
            if (starts is None) != (ends is None) and not self.errors.get(f"ends_{day.value}"):
                self.add_error(
                    f"ends_{day.value}",
                    f"{day.label}: give both times, or leave both empty for a day closed.",
                )
        return data

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(day.label), self[f"starts_{day.value}"], self[f"ends_{day.value}"])
            for day in Weekday
        ]

    def periods(self) -> list[Period]:
        data = self.cleaned_data
        return [
            Period(day.value, data[f"starts_{day.value}"], data[f"ends_{day.value}"])
            for day in Weekday
            if data.get(f"starts_{day.value}") and data.get(f"ends_{day.value}")
        ]


def week_initial(rows: dict[int, Any], starts: str, ends: str) -> dict[str, dt.time]:
    """The form's initial values from weekday -> row (opening hours or availability)."""
    initial: dict[str, dt.time] = {}
    for day, row in rows.items():
        initial[f"starts_{day}"] = getattr(row, starts)
        initial[f"ends_{day}"] = getattr(row, ends)
    return initial


class RoomForm(forms.Form):
    name = forms.CharField(label="Room name", max_length=ROOM_NAME_MAX_LENGTH)
    room = forms.UUIDField(widget=forms.HiddenInput, required=False)
    in_use = forms.BooleanField(label="In use", required=False, initial=True)
