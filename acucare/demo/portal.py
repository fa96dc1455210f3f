"""Portal accounts for two demo patients, so the patient's side can be tried.

The first load opens each account the way a clinic does: reception invites the patient
and the invitation is accepted with a generated password (both audited). Later loads
only give the account a fresh password, as the staff accounts get, and write nothing
else (a second run of the demo adds no audit event)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from acucare.accounts.models import User
from acucare.core.actor import system_actor
from acucare.patients.models import Patient
from acucare.portal import services as portal
from acucare.portal.models import PortalAccount

# One patient of each practitioner, both in the middle of a course.
PORTAL_PATIENTS = ("Olu Osei", "Priya Petrov")


@dataclass(frozen=True)
class PortalSignIn:
    name: str
    email: str
    password: str


def portal_accounts(reception: User, demo_patients: list[Patient]) -> list[PortalSignIn]:
    by_name = {p.full_name: p for p in demo_patients}
    made = []
    for name in PORTAL_PATIENTS:
        patient = by_name.get(name)
        if patient is None:
            continue
        password = secrets.token_urlsafe(12)
        account = PortalAccount.objects.select_related("user").filter(patient=patient).first()
        if account is None:
            _invitation, token = portal.invitation_create(
                actor=system_actor(reception),
                patient_id=patient.public_id,
                link_base="http://127.0.0.1:8000/",
            )
            user = portal.invitation_accept(
                token=token, password=password, repeat=password, ip_address=None
            )
        else:
            user = account.user
            user.set_password(password)
            user.save(update_fields=["password"])
        made.append(PortalSignIn(name, user.username, password))
    return made
