"""The only way a patient's portal account reaches a record: its own patient.

A portal account (role `patient`) sees one patient, the one its `PortalAccount` names.
Everything a portal page shows is read from that patient; an id in a portal address
that belongs to another patient is "not found" (404), so ids cannot be probed. Staff
never come through here: their access is `acucare.patients.access`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from acucare.accounts.models import Role
from acucare.core.actor import Actor
from acucare.patients.models import Patient
from acucare.portal.models import PortalAccount


def require_portal_patient(actor: Actor) -> None:
    if actor.role != Role.PATIENT or not actor.user.is_active:
        raise PermissionDenied("The portal is for patients signed in to their own account.")


def portal_patient(actor: Actor) -> Patient:
    """The patient the signed-in portal account belongs to (PermissionDenied otherwise)."""
    require_portal_patient(actor)
    account = (
        PortalAccount.objects.select_related("patient", "patient__primary_practitioner")
        .filter(user=actor.user)
        .first()
    )
    if account is None:
        # A patient-role user without its record: fail closed.
        raise PermissionDenied("This portal account is not linked to a patient record.")
    return account.patient
