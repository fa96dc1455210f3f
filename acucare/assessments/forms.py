"""The intake form: its fields, the intake document it builds, and where an
`InputError` of the clinical core shows.

The form only collects; `acucare.domain.intake.parse_intake` is the one validator
(ranges, vocabularies, conditions known to the knowledge base), so every limit is
stated once, there. The form's own checks are the browser-level ones (a number is a
number, a choice is one of the choices)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms

from acucare.assessments import body_map
from acucare.assessments.questions import (
    CONSENT_LABELS,
    HISTORY_LABELS,
    LIMB_LABELS,
    MODALITY_LABELS,
    RED_FLAG_QUESTIONS,
    STYLE_LABELS,
)
from acucare.core.fields import ClinicDateField
from acucare.domain.errors import InputError
from acucare.domain.intake import AGE_RANGE, DURATION_WEEKS_RANGE, PREGNANCY_WEEKS_RANGE
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.kb.vocabulary import INTAKE_FORMAT, SEXES
from acucare.kb.wording import InstrumentWording, WordingError, wording_for
from acucare.patients.models import Episode, Sex

YES_NO = (("yes", "Yes"), ("no", "No"))
WEEKS_BY_CODE = "weeks_by_code"


def _number(limits: dict[str, int], **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.NumberInput(attrs={"min": limits["min"], "max": limits["max"]}), **kwargs
    )


def intake_instruments() -> list[Instrument]:
    """The questionnaires asked at intake: every instrument but ratings of change."""
    return [
        instrument
        for instrument in registry().of(Instrument).values()
        if "global_change" not in instrument.measures
    ]


@dataclass(frozen=True)
class Questionnaire:
    """An instrument as the form shows it."""

    instrument: Instrument
    wording: InstrumentWording | None
    wording_problem: str  # a clinic wording file that did not match, in words
    fields: list[tuple[int, str]]  # (item number, form field name)


def questionnaire_field(instrument_id: str, number: int) -> str:
    return f"q_{instrument_id}_{number}"


def load_questionnaires() -> list[Questionnaire]:
    found = []
    for instrument in intake_instruments():
        problem = ""
        try:
            wording = wording_for(instrument)
        except WordingError as error:
            wording, problem = None, str(error)
        fields = [
            (i.number, questionnaire_field(instrument.id, i.number)) for i in instrument.items
        ]
        found.append(Questionnaire(instrument, wording, problem, fields))
    return found


class IntakeForm(forms.Form):
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    # The current assessment the form was opened with (empty: none): a save after someone
    # else saved a newer intake is refused instead of replacing theirs.
    based_on = forms.UUIDField(widget=forms.HiddenInput, required=False)
    age = _number(AGE_RANGE, label="Age (years)")
    sex = forms.ChoiceField(choices=[(s, Sex(s).label) for s in SEXES])
    pregnant = forms.BooleanField(required=False, label="Pregnant")
    pregnancy_weeks = _number(
        PREGNANCY_WEEKS_RANGE, required=False, label="Weeks of pregnancy", help_text="If known."
    )
    history = forms.MultipleChoiceField(
        required=False,
        label="Medical history",
        choices=list(HISTORY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    medications = forms.CharField(
        required=False,
        label="Medicines",
        help_text="One per line, as the patient takes them (name and dose).",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    limbs_at_risk = forms.MultipleChoiceField(
        required=False,
        label="Limbs at risk (lymphoedema, after lymph-node removal, poor circulation)",
        choices=list(LIMB_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    pain_sites = forms.MultipleChoiceField(required=False, label="Where is the pain?")
    skin_lesion_sites = forms.MultipleChoiceField(
        required=False,
        label="Skin lesions, wounds or infection at",
        widget=forms.CheckboxSelectMultiple,
    )
    style = forms.ChoiceField(
        required=False, label="Preferred style", choices=list(STYLE_LABELS.items())
    )
    declined_modalities = forms.MultipleChoiceField(
        required=False,
        label="Declines",
        choices=list(MODALITY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    consent_given_by = forms.ChoiceField(
        required=False,
        label="Consent to treatment given by",
        choices=list(CONSENT_LABELS.items()),
        help_text=(
            "Needed from a parent or guardian for a patient under 16, and from a legal "
            "representative for a patient who lacks capacity."
        ),
    )

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.conditions = list(episode.conditions.all())
        site_choices = [(s.name, s.label) for s in body_map.sites()]
        for name in ("pain_sites", "skin_lesion_sites"):
            self.fields[name].choices = site_choices  # type: ignore[attr-defined]
        weeks_by_code = self.initial.get(WEEKS_BY_CODE, {})
        for index, condition in enumerate(self.conditions):
            self.fields[f"weeks_{index}"] = _number(
                DURATION_WEEKS_RANGE,
                required=False,
                label=f"{condition.icd10}: how long (weeks)",
                initial=weeks_by_code.get(condition.icd10, condition.duration_weeks),
            )
        for flag, question in RED_FLAG_QUESTIONS.items():
            self.fields[f"rf_{flag}"] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect
            )
        self.questionnaires = load_questionnaires()
        for questionnaire in self.questionnaires:
            instrument = questionnaire.instrument
            texts = (
                {i.number: i for i in questionnaire.wording.items} if questionnaire.wording else {}
            )
            for item in instrument.items:
                worded = texts.get(item.number)
                options = instrument.item_scale(item).options
                choices = [
                    (
                        str(o.code),
                        worded.options.get(o.code, str(o.code))
                        if worded
                        else (o.label or str(o.code)),
                    )
                    for o in options
                ]
                label = f"{item.number}. {worded.text}" if worded else f"Item {item.number}"
                self.fields[questionnaire_field(instrument.id, item.number)] = forms.ChoiceField(
                    required=False, label=label, choices=choices, widget=forms.RadioSelect
                )

    # --- what the template iterates -----------------------------------------------------

    def condition_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(c, self[f"weeks_{i}"]) for i, c in enumerate(self.conditions)]

    def red_flag_fields(self) -> list[forms.BoundField]:
        return [self[f"rf_{flag}"] for flag in RED_FLAG_QUESTIONS]

    def questionnaire_rows(self) -> list[tuple[Questionnaire, list[forms.BoundField]]]:
        return [(q, [self[name] for _, name in q.fields]) for q in self.questionnaires]

    def selected_pain_sites(self) -> set[str]:
        value = self["pain_sites"].value() or []
        return {str(v) for v in value}

    # --- form -> intake document ------------------------------------------------------------

    def answers(self, instrument_id: str) -> dict[str, int]:
        """The answered items of one questionnaire (item number -> code)."""
        data = self.cleaned_data
        for questionnaire in self.questionnaires:
            if questionnaire.instrument.id == instrument_id:
                return {
                    str(number): int(data[name])
                    for number, name in questionnaire.fields
                    if data.get(name) not in (None, "")
                }
        return {}

    def intake_document(self) -> dict[str, Any]:
        """The `acucare.intake/1` document of the cleaned form (call after is_valid)."""
        data = self.cleaned_data
        questionnaires = {
            q.instrument.id: answers
            for q in self.questionnaires
            if (answers := self.answers(q.instrument.id))
        }
        pregnant = bool(data.get("pregnant"))
        document: dict[str, Any] = {
            "format": INTAKE_FORMAT,
            "patient": {"age": data["age"], "sex": data["sex"]},
            "pregnancy": {"pregnant": pregnant, "weeks": data.get("pregnancy_weeks")},
            "conditions": [
                {"icd10": c.icd10, "duration_weeks": data.get(f"weeks_{i}")}
                for i, c in enumerate(self.conditions)
            ],
            "pain_sites": list(data.get("pain_sites") or []),
            "medications": [
                line.strip()
                for line in (data.get("medications") or "").splitlines()
                if line.strip()
            ],
            "history": list(data.get("history") or []),
            "limbs_at_risk": list(data.get("limbs_at_risk") or []),
            "skin_lesion_sites": list(data.get("skin_lesion_sites") or []),
            "red_flags": [flag for flag in RED_FLAG_QUESTIONS if data.get(f"rf_{flag}") == "yes"],
            "questionnaires": questionnaires,
            "preferences": {
                "style": data.get("style") or None,
                "declined_modalities": list(data.get("declined_modalities") or []),
            },
            "consent": {"given_by": data.get("consent_given_by") or None},
        }
        return document

    # --- InputError -> the field it names -----------------------------------------------------

    def field_for(self, error: InputError, document: dict[str, Any]) -> str | None:
        """The form field that shows `error` (None: above the form)."""
        path = error.field
        simple = {
            "patient.age": "age",
            "patient.sex": "sex",
            "pregnancy.pregnant": "pregnant",
            "pregnancy.weeks": "pregnancy_weeks",
            "preferences.style": "style",
            "consent.given_by": "consent_given_by",
        }
        if path in simple:
            return simple[path]
        head = re.match(r"[a-z_]+(?:\.[a-z_]+)?", path)
        name = head.group(0) if head else ""
        if name == "conditions" or name.startswith("conditions"):
            index = re.match(r"conditions\[(\d+)\]", path)
            if index and f"weeks_{index.group(1)}" in self.fields:
                return f"weeks_{index.group(1)}"
            return None
        if name == "red_flags":
            index = re.match(r"red_flags\[(\d+)\]", path)
            flags = document.get("red_flags", [])
            if index and int(index.group(1)) < len(flags):
                return f"rf_{flags[int(index.group(1))]}"
            return None
        if name == "preferences.declined_modalities":
            return "declined_modalities"
        item = re.fullmatch(r"questionnaires\.([a-z0-9_]+)\.(\d+)", path)
        if item and questionnaire_field(item.group(1), int(item.group(2))) in self.fields:
            return questionnaire_field(item.group(1), int(item.group(2)))
        base = name.split(".")[0]
        return base if base in self.fields else None

    def apply_input_error(self, error: InputError, document: dict[str, Any]) -> None:
        field = self.field_for(error, document)
        message = error.message
        if field is None or field.startswith("weeks_"):
            message = f"{error.field}: {message}"
        if error.allowed and isinstance(error.allowed, dict):
            message += f" (allowed: {error.allowed['min']}–{error.allowed['max']})"
        self.add_error(field, message)


def initial_from(document: dict[str, Any] | None, *, age: int, sex: str) -> dict[str, Any]:
    """The form's starting values: the previous intake where there is one, else the
    patient's demographics (age from the date of birth, sex)."""
    if document is None:
        return {"age": age, "sex": sex}
    initial: dict[str, Any] = {
        "age": document["patient"]["age"],
        "sex": document["patient"]["sex"],
        "pregnant": document["pregnancy"]["pregnant"],
        "pregnancy_weeks": document["pregnancy"]["weeks"],
        "history": document["history"],
        "medications": "\n".join(document["medications"]),
        "limbs_at_risk": document["limbs_at_risk"],
        "pain_sites": document["pain_sites"],
        "skin_lesion_sites": document["skin_lesion_sites"],
        "style": document["preferences"]["style"] or "",
        "declined_modalities": document["preferences"]["declined_modalities"],
        "consent_given_by": document.get("consent", {}).get("given_by") or "",
    }
    # Red-flag questions and questionnaires are not carried over: they are asked afresh
    # at every intake (a questionnaire's answers cover its own recall period).
    initial[WEEKS_BY_CODE] = {c["icd10"]: c["duration_weeks"] for c in document["conditions"]}
    return initial


class OutcomeForm(forms.Form):
    """The answer to a referral (acucare.domain.referrals): all fields at once."""

    outcome = forms.ChoiceField(
        label="What did the doctor decide?",
        choices=[("cleared", "Cleared for treatment"), ("not_cleared", "Not cleared")],
        widget=forms.RadioSelect,
    )
    clinician = forms.CharField(
        label="Who assessed the patient",
        max_length=200,
        help_text="Name and role, e.g. “Dr A Patel, GP”.",
    )
    decided_on = ClinicDateField(label="Date of the decision")
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. “blood tests and X-ray normal; letter scanned into the record”.",
    )
