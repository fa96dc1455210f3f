"""Portal accounts for two demo patients, so the patient's side can be tried.

The first load opens each account the way a clinic does: reception invites the patient
and the invitation is accepted with a generated password (both audited). Later loads
only give the account a fresh password, as the staff accounts get, and write nothing
else (a second run of the demo adds no audit event).

When the account is opened, the patient writes two days of diary after their latest
signed session, through the portal's own service: one with a pain medicine and a bruise
(an after-effect, so the chart and the patient's care page show an adverse event), one
without."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.utils import timezone

from acucare.accounts.models import User
from acucare.core.actor import Actor, system_actor
from acucare.domain.diary import AfterEffect, MedicineTaken
from acucare.patients.models import Patient
from acucare.portal import services as portal
from acucare.portal.models import PortalAccount
from acucare.treatment import selectors as treatment_selectors

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
            _diary(system_actor(user), patient)
        else:
            user = account.user
            user.set_password(password)
            user.save(update_fields=["password"])
        made.append(PortalSignIn(name, user.username, password))
    return made


def _diary(patient_actor: Actor, patient: Patient) -> None:
    sessions = treatment_selectors.signed_sessions_of_patient(patient)
    if not sessions:
        return
    session = sessions[0]
    portal.diary_record(
        actor=patient_actor,
        session_id=session.public_id,
        day=session.date,
        pain=5,
        sleep_hours=6.0,
        sleep_quality=5,
        medicines=[MedicineTaken("tramadol", 50, "mg", 2)],
        effects=[AfterEffect("bruising", days=3)],
    )
    if session.date >= timezone.localdate():
        return
    portal.diary_record(
        actor=patient_actor,
        session_id=session.public_id,
        day=session.date + dt.timedelta(days=1),
        pain=4,
        sleep_hours=7.0,
        sleep_quality=7,
    )
