"""Who reaches which appointment (docs/clinic-app.md, "Appointments").

- reception reaches every appointment (demographic-level content only);
- a practitioner reaches the appointments booked with them and every appointment of a
  patient they may see (`acucare.patients.access.visible_patients`); any other is 404;
- the clinic admin reaches none (403);
- reception books, moves and cancels any appointment; a practitioner those of the
  patients they may see.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from acucare.accounts import selectors as accounts
from acucare.accounts.models import User
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.roles import require_patient_staff
from acucare.patients.access import require_visible, visible_patients
from acucare.patients.models import Patient
from acucare.scheduling.models import Appointment


def visible_appointments(actor: Actor) -> QuerySet[Appointment]:
    require_patient_staff(actor)
    appointments = Appointment.objects.all()
    if actor.is_practitioner:
        appointments = appointments.filter(
            Q(practitioner=actor.user) | Q(patient__in=visible_patients(actor))
        )
    return appointments


def practitioners_of(patient: Patient) -> QuerySet[User]:
    """The active practitioners who look after the patient (the primary practitioner and
    those the patient is shared with): the only ones a booking for the patient accepts."""
    return (
        accounts.active_practitioners()
        .filter(Q(pk=patient.primary_practitioner_id) | Q(shared_patients__patient=patient))
        .distinct()
    )


def access_appointment(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> Appointment:
    """The appointment, or Http404 if the actor may not see it (or it does not exist).
    What a role may change is decided by the services; `write` states the intent."""
    del write
    key = parse_public_id(public_id, "appointment")
    require_patient_staff(actor)
    try:
        appointment = Appointment.objects.select_related("patient", "practitioner", "room").get(
            public_id=key
        )
    except Appointment.DoesNotExist as exc:
        raise Http404("No such appointment.") from exc
    # The rule of `visible_appointments`, asked of this one: the practitioner's own
    # appointment, or one of a patient they may see.
    if appointment.practitioner_id != actor.user.pk:
        require_visible(actor, appointment.patient, "appointment")
    return appointment


def require_booking(actor: Actor) -> None:
    """Reception books, moves and cancels appointments, and so does a practitioner for
    the patients they may see (a solo practitioner books their own follow-ups); which
    patients is decided by `access_patient` in the services. The clinic admin reaches
    no patient, so books none."""
    if actor.role not in {"reception", "practitioner"} or not actor.user.is_active:
        raise PermissionDenied("Reception and practitioners book, move and cancel appointments.")
