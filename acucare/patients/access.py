"""The only way to reach a patient record. Views, API handlers, selectors and services
all come through here (a test forbids `Patient.objects` in views and API modules).

Rules (docs/clinic-app.md):
- a practitioner reaches the patients they are primary for and those shared with them;
  any other patient is "not found" (404), so ids cannot be probed;
- reception reaches every patient's demographics, never clinical content (403);
- the clinic admin manages users and the audit log and reaches no patient (403).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.prepared import PreparedRead
from acucare.core.roles import require_patient_staff
from acucare.patients.models import Episode, Patient, PatientShare


def visible_patients(actor: Actor) -> QuerySet[Patient]:
    """Every patient the actor may see at all (demographics at least).

    A practitioner's: those they are primary for, or that have a share with them. The share
    is asked as EXISTS, not joined: a join gives a patient once per matching share, and
    the DISTINCT that undoes it has PostgreSQL compare whole rows (and the selected
    related rows) for every read of a patient."""
    require_patient_staff(actor)
    patients = Patient.objects.all()
    if actor.is_practitioner:
        shared = PatientShare.objects.filter(patient=OuterRef("pk"), practitioner=actor.user)
        patients = patients.filter(Q(primary_practitioner=actor.user) | Exists(shared))
    return patients


def may_see(actor: Actor, patient: Patient) -> bool:
    """Whether `patient`, already read, is one of `visible_patients(actor)`: the same rule
    asked of one row. A record's page reads the record with its patient and asks this
    (one EXISTS more only for a patient shared with the practitioner) instead of
    filtering by the `visible_patients` subquery, which cost every record page 0.6-0.8 ms
    of CPU to build and compile, several times what the query took to run."""
    require_patient_staff(actor)
    if not actor.is_practitioner or patient.primary_practitioner_id == actor.user.pk:
        return True
    return PatientShare.objects.filter(patient=patient, practitioner=actor.user).exists()


def require_visible(actor: Actor, patient: Patient, what: str) -> None:
    """Http404 ("No such `what`.") unless the actor may see `patient`: a record of a
    patient they may not see is not found, so ids cannot be probed."""
    if not may_see(actor, patient):
        raise Http404(f"No such {what}.")


def access_patient(
    actor: Actor, public_id: uuid.UUID | str, *, clinical: bool, write: bool
) -> Patient:
    """The patient, or Http404 if the actor may not see it, or PermissionDenied if the
    actor may see it but not in this way (reception asking for clinical content).

    Callers state `write` so that each call site says what it intends; today every role
    that may read a record may also change it, and a read-only share would be decided
    here without touching the callers."""
    del write
    require_patient_staff(actor)
    if clinical and not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")
    patient = _PATIENT.one(public_id=parse_public_id(public_id, "patient"))
    if patient is None:
        raise Http404("No such patient.")
    require_visible(actor, patient, "patient")
    return patient


# Every patient page reads its patient this way: compiled once (`acucare.core.prepared`).
_PATIENT: PreparedRead[Patient] = PreparedRead(
    lambda public_id: Patient.objects.select_related("primary_practitioner").filter(
        public_id=public_id
    )
)


def access_episode(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> Episode:
    """An episode is clinical content: practitioners with access to its patient only."""
    del write
    require_patient_staff(actor)
    if not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")
    episode = _EPISODE.one(public_id=parse_public_id(public_id, "episode"))
    if episode is None:
        raise Http404("No such episode.")
    require_visible(actor, episode.patient, "episode")
    return episode


# Every episode page reads its episode this way: compiled once (`acucare.core.prepared`).
_EPISODE: PreparedRead[Episode] = PreparedRead(
    lambda public_id: Episode.objects.select_related("patient").filter(public_id=public_id)
)
