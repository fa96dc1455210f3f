from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms

from acucare.core.fields import ClinicDateField
from acucare.domain.errors import InputError
from acucare.patients.conditions import normalise_icd10
from acucare.patients.models import EpisodeStatus, ReferralSource, Sex
from acucare.patients.services import Referral

MAX_CONDITIONS = 4


class PatientForm(forms.Form):
    # The once-only key of the registration form (issue 14: racing posts, one patient each).
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    preferred_name = forms.CharField(max_length=100, required=False)
    date_of_birth = ClinicDateField()
    sex = forms.ChoiceField(choices=Sex.choices)
    phone = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(required=False)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    gp_name = forms.CharField(
        label="GP's name",
        max_length=200,
        required=False,
        help_text="The patient's family doctor, to whom letters and reports are written.",
    )
    gp_practice = forms.CharField(label="GP practice", max_length=200, required=False)
    gp_address = forms.CharField(
        label="GP practice address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    gp_email = forms.EmailField(label="GP's e-mail", required=False)
    primary_practitioner = forms.ChoiceField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, practitioners: list[Any], show_practitioner: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if show_practitioner:
            self.fields["primary_practitioner"].required = True
            cast(forms.ChoiceField, self.fields["primary_practitioner"]).choices = [
                ("", "Choose…")
            ] + [(str(p.public_id), p.display_name) for p in practitioners]
        else:
            del self.fields["primary_practitioner"]


class ReferralFields(forms.Form):
    """Who referred the episode (new-episode and edit-episode forms)."""

    referral_source = forms.ChoiceField(
        label="Referred by",
        choices=ReferralSource.choices,
        initial=ReferralSource.SELF,
        required=False,  # a form sent without it is a self-referral
    )
    referrer_name = forms.CharField(
        label="Referring clinician's name",
        max_length=200,
        required=False,
        help_text="Only when another clinician (not the patient's GP) referred the patient.",
    )
    referrer_practice = forms.CharField(
        label="Referring clinician's practice", max_length=200, required=False
    )
    referrer_address = forms.CharField(
        label="Referring clinician's address",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referrer_email = forms.EmailField(label="Referring clinician's e-mail", required=False)

    def referral(self) -> Referral:
        data = self.cleaned_data
        return Referral(
            source=str(data.get("referral_source") or ReferralSource.SELF),
            name=str(data.get("referrer_name") or ""),
            practice=str(data.get("referrer_practice") or ""),
            address=str(data.get("referrer_address") or ""),
            email=str(data.get("referrer_email") or ""),
        )

    def referral_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in REFERRAL_FIELDS]


REFERRAL_FIELDS = (
    "referral_source",
    "referrer_name",
    "referrer_practice",
    "referrer_address",
    "referrer_email",
)


class EpisodeForm(ReferralFields):
    complaint = forms.CharField(
        max_length=200, help_text="In the patient's words or a short clinical summary."
    )
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
    started_on = ClinicDateField(
        required=False,
        help_text="Leave empty for today.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_CONDITIONS):
            self.fields[f"icd10_{i}"] = forms.CharField(
                max_length=10,
                required=i == 0,
                label="Primary condition (ICD-10-CM)"
                if i == 0
                else f"Further condition {i} (ICD-10-CM)",
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
            self.fields[f"weeks_{i}"] = forms.IntegerField(
                min_value=0, max_value=5200, required=False, label="Duration (weeks)"
            )

    def condition_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"icd10_{i}"], self[f"weeks_{i}"]) for i in range(MAX_CONDITIONS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(MAX_CONDITIONS):
            raw = data.get(f"icd10_{i}")
            if raw:
                try:
                    data[f"icd10_{i}"] = normalise_icd10(raw, field=f"icd10_{i}")
                except InputError as error:
                    self.add_error(f"icd10_{i}", error.message)
        return data


class EpisodeEditForm(ReferralFields):
    field_order = ("complaint", "status", "ended_on", *REFERRAL_FIELDS)
    complaint = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=EpisodeStatus.choices)
    ended_on = ClinicDateField(
        required=False,
        help_text="For a discharge; leave empty for today.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
