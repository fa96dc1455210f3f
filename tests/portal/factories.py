"""Portal factories: a patient with a portal account (as after an accepted invitation)."""

from __future__ import annotations

from typing import Any

from acucare.accounts.models import Role, User
from acucare.patients.models import Patient
from acucare.portal.models import PortalAccount
from tests.factories import PASSWORD, make_patient


def make_portal_patient(practitioner: User, **fields: Any) -> tuple[Patient, User]:
    """A patient and their portal account (password `tests.factories.PASSWORD`)."""
    patient = make_patient(practitioner, **fields)
    if not patient.email:
        patient.email = f"{patient.given_name.lower()}.{patient.public_id.hex[:8]}@example.org"
        patient.save(update_fields=["email"])
    user = User(
        username=patient.email,
        email=patient.email,
        role=Role.PATIENT,
        first_name=patient.given_name,
        last_name=patient.family_name,
    )
    user.set_password(PASSWORD)
    user.save()
    PortalAccount.objects.create(user=user, patient=patient)
    return patient, user
