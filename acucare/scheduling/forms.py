from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from django import forms
from django.utils import timezone

from acucare.core.fields import ClinicDateField
from acucare.scheduling.models import MAX_MINUTES, MIN_MINUTES, NOTE_MAX_LENGTH, AppointmentKind

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
    note = forms.CharField(
        label="Booking note (no clinical details)",
        max_length=NOTE_MAX_LENGTH,
        required=False,
        help_text=NOTE_HELP,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def __init__(self, *args: Any, practitioners: list[Any], editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [("", "Choose…")] + [
            (str(p.public_id), p.display_name) for p in practitioners
        ]
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
