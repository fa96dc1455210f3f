from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from acucare.accounts.models import STAFF_ROLE_CHOICES, BaseProfession, Certification
from acucare.core.fields import ClinicDateField


class LoginForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code",
        min_length=6,
        max_length=7,
        validators=[
            RegexValidator(
                r"^[0-9]{3} ?[0-9]{3}$",
                "Enter the six digits (0 to 9) your authenticator app shows.",
            )
        ],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]{6,7}",
                "autofocus": True,
            }
        ),
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not a common password. Give it to the user in person.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)


class ClinicForm(forms.Form):
    name = forms.CharField(max_length=200, label="Clinic name")
    require_two_factor = forms.BooleanField(
        required=False, label="Require two-factor authentication for every user"
    )


class CredentialsForm(forms.Form):
    base_profession = forms.ChoiceField(choices=BaseProfession.choices)
    licence_title = forms.CharField(max_length=40, required=False, help_text="e.g. L.Ac., R.Ac.")
    licence_number = forms.CharField(max_length=60, required=False)
    issuing_board = forms.CharField(max_length=200, required=False)
    licence_expiry = ClinicDateField(required=False)
    certifications = forms.MultipleChoiceField(
        choices=Certification.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    degree = forms.CharField(max_length=60, required=False, help_text="e.g. MAc, MSOM, DAOM")
    years_in_practice = forms.IntegerField(min_value=0, max_value=70, required=False)
    other_experience = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cpd_hours_last_year = forms.IntegerField(
        min_value=0, max_value=2000, required=False, label="CPD hours in the last 12 months"
    )
    indemnity_insurer = forms.CharField(
        max_length=200, required=False, label="Professional indemnity insurer"
    )
    indemnity_expiry = ClinicDateField(required=False, label="Indemnity cover ends")
    premises_registration = forms.CharField(
        max_length=200, required=False, help_text="e.g. local-authority skin-piercing registration"
    )
    scope_restrictions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Limits on your practice, e.g. no eye points, no obstetric care",
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The integration that will use it.")


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password or only digits.",
    )
    repeat_password = forms.CharField(
        label="New password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("repeat_password"):
            self.add_error("repeat_password", "The two new passwords differ.")
        return data


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to the user in person; they can change it under Password.",
    )
