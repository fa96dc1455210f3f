"""The outcome forms. They only collect: the services validate (through the scorer and
the review engine), so every limit is stated once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from acucare.core.fields import ClinicDateField
from acucare.domain.errors import InputError
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.kb.wording import WordingError, wording_for
from acucare.outcomes.models import Decision, DischargeReason, Payer

MEDICATION_ROWS = 3


def item_field(instrument: str, number: int) -> str:
    return f"q_{instrument}_{number}"


@dataclass(frozen=True)
class Questionnaire:
    instrument: Instrument
    worded: bool
    instructions: str
    attribution: str
    fields: list[str]


class MeasurementForm(forms.Form):
    """The questionnaires of one timepoint, the impression of change (not at baseline)
    and the pain medications with their doses."""

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    date = ClinicDateField(required=False, help_text="Leave empty for today.")

    def __init__(self, *args: Any, instruments: Sequence[str], pgic: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = registry().of(Instrument)
        self.questionnaires: list[Questionnaire] = []
        for instrument_id in instruments:
            instrument = known.get(instrument_id)
            if instrument is None or instrument_id == "pgic":
                continue
            try:
                wording = wording_for(instrument)
            except WordingError:
                wording = None
            texts = {i.number: i for i in wording.items} if wording else {}
            names = []
            for item in instrument.items:
                worded = texts.get(item.number)
                choices = [("", "Not answered")] + [
                    (
                        str(o.code),
                        worded.options.get(o.code, str(o.code))
                        if worded
                        else (f"{o.code} — {o.label}" if o.label else str(o.code)),
                    )
                    for o in instrument.item_scale(item).options
                ]
                name = item_field(instrument.id, item.number)
                self.fields[name] = forms.ChoiceField(
                    required=False,
                    label=f"{item.number}. {worded.text}" if worded else f"Item {item.number}",
                    choices=choices,
                )
                names.append(name)
            self.questionnaires.append(
                Questionnaire(
                    instrument,
                    wording is not None,
                    (wording.instructions or "") if wording else "",
                    wording.attribution if wording else "",
                    names,
                )
            )
        self.asks_pgic = pgic and "pgic" in known
        if self.asks_pgic:
            scale = known["pgic"]
            item = scale.items[0]
            try:
                wording = wording_for(scale)
            except WordingError:
                wording = None
            worded = {i.number: i for i in wording.items}.get(item.number) if wording else None
            self.fields["pgic"] = forms.ChoiceField(
                required=False,
                label=worded.text if worded else "Patient's impression of change since the start",
                choices=[("", "Not answered")]
                + [
                    (
                        str(o.code),
                        worded.options.get(o.code, o.label) if worded else (o.label or str(o.code)),
                    )
                    for o in scale.item_scale(item).options
                ],
            )
        for i in range(MEDICATION_ROWS):
            self.fields[f"med_{i}_name"] = forms.CharField(
                required=False, max_length=100, label="Medication"
            )
            self.fields[f"med_{i}_dose_mg"] = forms.DecimalField(
                required=False, min_value=0, label="Dose (mg)"
            )
            self.fields[f"med_{i}_doses_per_day"] = forms.DecimalField(
                required=False, min_value=0, label="Doses a day"
            )

    def questionnaire_rows(self) -> list[tuple[Questionnaire, list[forms.BoundField]]]:
        return [(q, [self[name] for name in q.fields]) for q in self.questionnaires]

    def medication_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"med_{i}_{part}"] for part in ("name", "dose_mg", "doses_per_day")]
            for i in range(MEDICATION_ROWS)
        ]

    def scores(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for q in self.questionnaires:
            answers = {
                name.rsplit("_", 1)[1]: int(self.cleaned_data[name])
                for name in q.fields
                if self.cleaned_data.get(name) not in (None, "")
            }
            if answers:
                found[q.instrument.id] = answers
        return found

    def pgic(self) -> int | None:
        value = self.cleaned_data.get("pgic")
        return int(value) if value not in (None, "") else None

    def medications(self) -> list[dict[str, Any]]:
        found = []
        for i in range(MEDICATION_ROWS):
            name = self.cleaned_data.get(f"med_{i}_name") or ""
            dose = self.cleaned_data.get(f"med_{i}_dose_mg")
            per_day = self.cleaned_data.get(f"med_{i}_doses_per_day")
            if not name and dose is None and per_day is None:
                continue
            found.append(
                {
                    "name": name,
                    "dose_mg": float(dose) if dose is not None else None,
                    "doses_per_day": float(per_day) if per_day is not None else None,
                }
            )
        return found

    def show(self, error: InputError) -> None:
        """Put a service's InputError beside the field it names."""
        path = error.field
        parts = path.replace("[", ".").replace("]", "").split(".")
        name: str | None = None
        if parts[0] == "scores" and len(parts) >= 3:
            name = item_field(parts[1], int(parts[2])) if parts[2].isdigit() else None
        elif parts[0] == "medications" and len(parts) >= 3:
            name = f"med_{parts[1]}_{parts[2]}"
        elif parts[0] in ("pgic", "date"):
            name = parts[0]
        if name and name in self.fields:
            self.add_error(name, error.message)
        else:
            self.add_error(None, error.message)


class ReviewForm(forms.Form):
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(
        choices=Decision.choices, widget=forms.RadioSelect, label="Your decision"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Why, in a sentence or two — especially when you differ from the suggestion.",
    )


class DischargeForm(forms.Form):
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    reason = forms.ChoiceField(
        choices=[("", "Choose…"), *DischargeReason.choices], label="Reason for discharge"
    )
    date = ClinicDateField(required=False, help_text="Leave empty for today.")
    advice = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Advice given to the patient",
        help_text="Self-management, when to come back, what to tell their doctor.",
    )


def _instrument_choices() -> list[tuple[str, str]]:
    return [(i.id, f"{i.short_name} — {i.name}") for i in registry().of(Instrument).values()]


class ScheduleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    each_session = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Before each session"
    )
    reviews = forms.CharField(
        required=False,
        label="Reviews after sessions",
        help_text="Session numbers, separated by commas (for example 6, 10).",
    )
    review_instruments = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="At each review"
    )
    discharge_instruments = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="At discharge and at each follow-up",
    )
    followup_days = forms.CharField(
        required=False,
        label="Follow-ups, days after discharge",
        help_text="For example 91, 365 (3 and 12 months).",
    )
    payer = forms.ChoiceField(choices=Payer.choices, required=False, label="Who pays")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _instrument_choices()
        for name in ("each_session", "review_instruments", "discharge_instruments"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def numbers(text: str, field: str) -> list[int]:
        found = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise InputError(field, f"'{part}' is not a whole number.")
            found.append(int(part))
        return found


def schedule_initial(
    schedule: Sequence[dict[str, Any]], payer: str, version: int
) -> dict[str, Any]:
    def first(kind: str) -> list[str]:
        return next((list(t["instruments"]) for t in schedule if t["kind"] == kind), [])

    return {
        "version": version,
        "each_session": first("session"),
        "reviews": ", ".join(str(t["session"]) for t in schedule if t["kind"] == "review"),
        "review_instruments": first("review"),
        "discharge_instruments": first("discharge") or first("followup"),
        "followup_days": ", ".join(
            str(t["days_after_discharge"]) for t in schedule if t["kind"] == "followup"
        ),
        "payer": payer,
    }
