from __future__ import annotations

from typing import Any, cast

from django import forms

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
