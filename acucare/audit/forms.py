from django import forms

from acucare.audit.models import Action
from acucare.core.fields import ClinicDateField


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Username")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])
    object_type = forms.ChoiceField(
        required=False,
        label="Record type",
        choices=[
            ("", "Any record"),
            ("patient", "Patient"),
            ("episode", "Episode"),
            ("user", "User"),
            ("clinic", "Clinic settings"),
            ("practitioner_profile", "Practitioner credentials"),
            ("opening_hours", "Opening hours"),
            ("availability", "Practitioner availability"),
            ("room", "Room"),
            ("api_token", "API token"),
            ("audit_log", "Audit log"),
            ("request", "Refused request"),
        ],
    )
    patient_name = forms.CharField(
        required=False,
        max_length=200,
        label="Patient's full name",
        help_text="Given and family name, exactly as recorded.",
    )
    patient_id = forms.UUIDField(required=False, label="Patient id")
    since = ClinicDateField(required=False, label="From")
    until = ClinicDateField(required=False, label="To")
