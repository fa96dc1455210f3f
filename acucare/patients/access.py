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
    try:
        return (
            visible_patients(actor)
            .select_related("primary_practitioner")
            .get(public_id=parse_public_id(public_id, "patient"))
        )
    except Patient.DoesNotExist as exc:
        raise Http404("No such patient.") from exc


def access_episode(actor: Actor, public_id: uuid.UUID | str, *, write: bool) -> Episode:
    """An episode is clinical content: practitioners with access to its patient only."""
    del write
    require_patient_staff(actor)
    if not actor.is_practitioner:
        raise PermissionDenied("Clinical content is for practitioners only.")
    try:
        return Episode.objects.select_related("patient").get(
            public_id=parse_public_id(public_id, "episode"), patient__in=visible_patients(actor)
        )
    except Episode.DoesNotExist as exc:
        raise Http404("No such episode.") from exc
