from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms

from acucare.domain import diary
from acucare.domain.errors import InputError
from acucare.kb import registry
from acucare.outcomes.forms import MeasurementForm


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters; not a common password, not only numbers.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    repeat_password = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ReminderSettingsForm(forms.Form):
    email_reminders = forms.BooleanField(
        label="Send me e-mail reminders",
        required=False,
        help_text=(
            "A reminder the day before each appointment, and when questionnaires are "
            "waiting for you here."
        ),
    )


class SignInForm(forms.Form):
    username = forms.CharField(
        label="E-mail address",
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class QuestionnaireForm(MeasurementForm):
    """The staff measurement form, as a patient answers it on a phone: every question
    asked and answered, one tap each (radio buttons), no dates or medication rows (the
    diary takes medications)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if n.startswith("med_") or n == "date"]:
            del self.fields[name]
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                # MeasurementForm builds plain (value, label) lists.
                built = cast(list[tuple[str, str]], field.choices)
                answers = [(value, label) for value, label in built if value != ""]
                field.choices = answers
                field.required = True
                field.widget = forms.RadioSelect(choices=answers)
                field.error_messages["required"] = "Choose an answer to this question."
                field.error_messages["invalid_choice"] = (
                    "%(value)s is not one of the answers to this question."
                )


SCALE = [(n, str(n)) for n in range(11)]
SEVERITY_CHOICES = [
    ("mild", "It did not stop my usual day"),
    ("stopped_day", "It stopped me doing my usual things"),
]
CARE_CHOICES = [
    ("none", "No"),
    ("doctor", "I saw a doctor, nurse or pharmacist"),
    ("hospital", "I was admitted to hospital"),
]
MEDICINE_ROWS = 3


class DiaryForm(forms.Form):
    """One day of the diary. Every range is checked by the domain (`acucare.domain.diary`),
    whose errors `show` puts beside the field they name; the form only reads the values.
    Works without JavaScript: each after-effect is a box to tick with its questions
    beside it."""

    submission = forms.UUIDField(widget=forms.HiddenInput)
    day = forms.TypedChoiceField(label="Which day is this about?", coerce=dt.date.fromisoformat)
    pain = forms.IntegerField(
        label="Your pain today, from 0 (no pain) to 10 (the worst pain you can imagine)",
        widget=forms.RadioSelect(choices=SCALE),
        error_messages={"required": "Choose how bad your pain was, from 0 to 10."},
    )
    sleep_hours = forms.FloatField(
        label="Hours you slept last night",
        widget=forms.NumberInput(
            attrs={"step": "0.5", "min": "0", "max": "24", "inputmode": "decimal"}
        ),
        error_messages={
            "required": "Say how many hours you slept (0 to 24).",
            "invalid": "Write the hours as a number, for example 6.5.",
        },
    )
    sleep_quality = forms.IntegerField(
        label="How well you slept, from 0 (very badly) to 10 (very well)",
        widget=forms.RadioSelect(choices=SCALE),
        error_messages={"required": "Choose how well you slept, from 0 to 10."},
    )

    def __init__(self, *args: Any, days: list[dt.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["day"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(d.isoformat(), f"{d:%A %-d %B}") for d in reversed(days)]
        field.error_messages["invalid_choice"] = "Choose one of the days in the list."
        medicines = [("", "No medicine"), *diary.medicine_choices(registry())]
        for i in range(MEDICINE_ROWS):
            self.fields[f"med_{i}_medicine"] = forms.ChoiceField(
                label=f"Medicine {i + 1}", choices=medicines, required=False
            )
            self.fields[f"med_{i}_dose"] = forms.FloatField(
                label="Dose (mg each time, or mcg per hour for a patch)",
                required=False,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                error_messages={"invalid": "Write the dose as a number."},
            )
            self.fields[f"med_{i}_times"] = forms.IntegerField(
                label="Times taken that day",
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": "Write how many times as a whole number."},
            )
        for kind in diary.AFTER_EFFECTS:
            key = kind.key
            self.fields[f"effect_{key}"] = forms.BooleanField(label=kind.label, required=False)
            self.fields[f"effect_{key}_severity"] = forms.ChoiceField(
                label="How much did it get in your way?",
                choices=SEVERITY_CHOICES,
                initial="mild",
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"effect_{key}_care"] = forms.ChoiceField(
                label="Did you need care for it?",
                choices=CARE_CHOICES,
                initial="none",
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"effect_{key}_days"] = forms.IntegerField(
                label="How many days did it last? (0 if less than a day)",
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": "Write the days as a whole number."},
            )
        self.fields["effect_dizziness_fainted"] = forms.BooleanField(
            label="I fainted", required=False
        )
        self.fields["effect_other_text"] = forms.CharField(
            label="What did you notice?", required=False, max_length=500
        )
        self._effect_keys: list[str] = []

    def medicine_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"med_{i}_medicine"], self[f"med_{i}_dose"], self[f"med_{i}_times"])
            for i in range(MEDICINE_ROWS)
        ]

    def effect_rows(self) -> list[tuple[forms.BoundField, list[forms.BoundField]]]:
        rows = []
        for kind in diary.AFTER_EFFECTS:
            key = kind.key
            extra = [
                self[f"effect_{key}_severity"],
                self[f"effect_{key}_care"],
                self[f"effect_{key}_days"],
            ]
            if key == "dizziness":
                extra.append(self["effect_dizziness_fainted"])
            if key == "other":
                extra.insert(0, self["effect_other_text"])
            rows.append((self[f"effect_{key}"], extra))
        return rows

    def medicines(self) -> list[diary.MedicineTaken]:
        """The rows with a medicine chosen (an empty dose or count is refused by the
        domain as out of range, beside its field)."""
        data = self.cleaned_data
        taken = []
        self._medicine_rows: list[int] = []
        for i in range(MEDICINE_ROWS):
            medicine = data.get(f"med_{i}_medicine") or ""
            dose, times = data.get(f"med_{i}_dose"), data.get(f"med_{i}_times")
            if not medicine:
                if dose is not None or times is not None:
                    self.add_error(f"med_{i}_medicine", "Choose the medicine this dose is for.")
                continue
            unit = diary.medicine_unit(registry(), medicine)
            taken.append(diary.MedicineTaken(medicine, dose or 0.0, unit, times or 0))
            self._medicine_rows.append(i)
        return taken

    def effects(self) -> list[diary.AfterEffect]:
        data = self.cleaned_data
        found = []
        self._effect_keys = []
        for kind in diary.AFTER_EFFECTS:
            key = kind.key
            if not data.get(f"effect_{key}"):
                continue
            days = data.get(f"effect_{key}_days")
            found.append(
                diary.AfterEffect(
                    kind=key,
                    severity=data.get(f"effect_{key}_severity") or "mild",
                    care=data.get(f"effect_{key}_care") or "none",
                    days=0 if days is None else days,
                    fainted=bool(key == "dizziness" and data.get("effect_dizziness_fainted")),
                    text=(data.get("effect_other_text") or "") if key == "other" else "",
                )
            )
            self._effect_keys.append(key)
        return found

    def show(self, error: InputError) -> None:
        """The domain's error beside the field it names."""
        field = error.field
        match = re.fullmatch(r"(medicines|after_effects)\[(\d+)\]\.(\w+)", field)
        name: str | None = field if field in self.fields else None
        if match:
            group, index, part = match.group(1), int(match.group(2)), match.group(3)
            if group == "medicines" and index < len(self._medicine_rows):
                row = self._medicine_rows[index]
                name = f"med_{row}_{'medicine' if part in ('medicine', 'unit') else part}"
            elif group == "after_effects" and index < len(self._effect_keys):
                key = self._effect_keys[index]
                name = "effect_other_text" if part == "text" else f"effect_{key}_{part}"
            if name not in self.fields:
                name = None
        self.add_error(name, error.message)
