"""Portal factories: a patient with a portal account (as after an accepted invitation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from acucare.accounts.models import Role, User
from acucare.patients.models import Patient
from acucare.portal.models import PortalAccount
from acucare.treatment import services
from acucare.treatment.models import TreatmentSession
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


def make_signed_session(
    patient: Patient, *, date: dt.date | None = None, adverse_events: list[Any] | None = None
) -> TreatmentSession:
    """An episode with an approved plan and one signed session for `patient` (no
    after-effects charted unless given)."""
    from tests.assessments.factories import make_assessment
    from tests.factories import actor, make_episode
    from tests.treatment.factories import make_plan, make_session

    episode = make_episode(patient)
    make_assessment(episode)
    plan = make_plan(episode, approve=True)
    session = make_session(plan, adverse_events=adverse_events or [])
    if date is not None:
        session.date = date
        session.save(update_fields=["date"])
    who = actor(patient.primary_practitioner)
    return services.session_sign(actor=who, session_id=session.public_id, version=session.version)
