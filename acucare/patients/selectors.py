"""Reads of patient data. Each read appends one audit event (`read`, or `list` naming
the patients shown), because who looked at which record is part of the record."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from acucare.accounts import selectors as accounts
from acucare.accounts.models import (
    DISPLAY_NAME_FIELDS,
    User,
    display_name_fields,
    display_name_of,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.prepared import PreparedRead
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError
from acucare.domain.text import search_text
from acucare.patients.access import access_episode, access_patient, visible_patients
from acucare.patients.models import (
    Episode,
    EpisodeCondition,
    EpisodeStatus,
    Patient,
    PatientShare,
)

PAGE_SIZE = 50

# A practitioner as the chart and the patient forms show and choose them.
PRACTITIONER_NAME_FIELDS = ("public_id", *DISPLAY_NAME_FIELDS)


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    total: int
    page: int
    pages: int
    query: str


def patient_list(*, actor: Actor, query: str = "", page: int = 1) -> PatientPage:
    """Patients the actor may see, by name; searchable by name, phone or email."""
    patients: QuerySet[Patient] = visible_patients(actor).select_related("primary_practitioner")
    if actor.is_practitioner:
        # Clinical context for practitioners only, in the same query: the complaint of
        # the most recent active episode.
        active = Episode.objects.filter(patient=OuterRef("pk"), status=EpisodeStatus.ACTIVE)
        patients = patients.annotate(
            current_complaint=Subquery(
                active.order_by("-started_on", "-id").values("complaint")[:1]
            )
        )
    query = search_text(query)
    if query:
        condition = Q()
        for word in query.split():
            condition &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(phone__icontains=word)
                | Q(email__icontains=word)
            )
        patients = patients.filter(condition)
    total = patients.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = list(patients[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    audit_record(
        actor=actor,
        action="list",
        object_type="patient",
        # Whether a search was typed, not what: the text is names and phone numbers that
        # the log's reader (the admin) may not see (issue 14). The patients shown are listed.
        detail={
            "searched": bool(query),
            "page": page,
            "patients": [str(p.public_id) for p in shown],
        },
    )
    return PatientPage(shown, total, page, pages, query)


@dataclass(frozen=True)
class PatientChart:
    patient: Patient
    clinical: bool
    episodes: list[Episode]
    shared_with: list[User]


# The chart's colleagues, by name only: read on every chart, compiled once
# (`acucare.core.prepared`).
_SHARES: PreparedRead[PatientShare] = PreparedRead(
    lambda pk: (
        PatientShare.objects.filter(patient_id=pk)
        .select_related("practitioner")
        .only("practitioner__public_id", *display_name_fields("practitioner"))
    )
)


def patient_chart(*, actor: Actor, patient_id: uuid.UUID | str) -> PatientChart:
    """Demographics for everyone allowed; episodes and sharing for practitioners only."""
    clinical = actor.is_practitioner
    patient = access_patient(actor, patient_id, clinical=clinical, write=False)
    episodes: list[Episode] = []
    shared_with: list[User] = []
    if clinical:
        episodes = list(
            patient.episodes.prefetch_related(
                Prefetch("conditions", queryset=EpisodeCondition.objects.order_by("position"))
            )
        )
        shared_with = [s.practitioner for s in _SHARES(pk=patient.pk)]
    audit_record(
        actor=actor,
        action="read",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail={"clinical": clinical},
    )
    return PatientChart(patient, clinical, episodes, shared_with)


def patient_for_edit(
    *, actor: Actor, patient_id: uuid.UUID | str, clinical: bool = False
) -> Patient:
    """The patient behind an edit form (demographics, or a clinical form if `clinical`)."""
    patient = access_patient(actor, patient_id, clinical=clinical, write=True)
    audit_record(
        actor=actor,
        action="read",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail={"clinical": clinical, "purpose": "edit"},
    )
    return patient


def episode_detail(*, actor: Actor, episode_id: uuid.UUID | str) -> Episode:
    episode = access_episode(actor, episode_id, write=False)
    audit_record(
        actor=actor,
        action="read",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
    )
    return episode


def episode_list(*, actor: Actor, patient_id: uuid.UUID | str) -> list[Episode]:
    patient = access_patient(actor, patient_id, clinical=True, write=False)
    episodes = list(patient.episodes.prefetch_related("conditions"))
    audit_record(
        actor=actor,
        action="list",
        object_type="episode",
        patient_id=patient.public_id,
        detail={"episodes": [str(e.public_id) for e in episodes]},
    )
    return episodes


def active_practitioners() -> list[User]:
    """For choosing a primary practitioner or a colleague to share with (names only)."""
    return list(accounts.active_practitioners().only(*PRACTITIONER_NAME_FIELDS))


def share_choices(*, actor: Actor, chart: PatientChart) -> list[tuple[uuid.UUID, str]]:
    """The colleagues the chart's primary practitioner may share it with, as (public id,
    name) pairs in the practitioners' order: the active practitioners but the actor and
    those it is shared with already. Read as four columns, not user rows, for the chart's
    own <select>; `services.patient_share` validates what is posted on its own."""
    taken = {actor.user.public_id, *(colleague.public_id for colleague in chart.shared_with)}
    return [
        (public_id, display_name_of(*names))
        for public_id, *names in accounts.active_practitioners().values_list(
            *PRACTITIONER_NAME_FIELDS
        )
        if public_id not in taken
    ]


def patient_shares(*, actor: Actor, patient_id: uuid.UUID | str) -> list[User]:
    """The practitioners a patient is shared with (clinical: practitioners with access)."""
    patient = access_patient(actor, patient_id, clinical=True, write=False)
    shared = [
        s.practitioner
        for s in PatientShare.objects.filter(patient=patient).select_related("practitioner")
    ]
    audit_record(
        actor=actor,
        action="read",
        object_type="patient_shares",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return shared


def episode_is_discharged(episode: Episode) -> bool:
    """A discharged episode takes no new plan or session until it is reopened; pages
    say so instead of offering the actions."""
    return bool(episode.status == EpisodeStatus.DISCHARGED)


def possible_duplicates(
    *, actor: Actor, given_name: str, family_name: str, date_of_birth: dt.date
) -> list[Patient]:
    """Patients the actor may see with the same name and date of birth (letter case and
    surrounding spaces ignored): registering one of them again is usually a mistake.
    Nothing is audited: nothing is shown but what the registering person typed, and the
    names link to charts whose own reads are audited."""
    return list(
        visible_patients(actor)
        .filter(
            given_name__iexact=given_name.strip(),
            family_name__iexact=family_name.strip(),
            date_of_birth=date_of_birth,
        )
        .order_by("id")[:5]
    )


AUDIT_NAME_MATCHES = 20


def patients_named_for_audit(actor: Actor, name: str) -> list[uuid.UUID]:
    """For the clinic admin reviewing the audit log: the patients whose full name (given
    or preferred name, then family name) is exactly `name`, case aside; at most
    AUDIT_NAME_MATCHES. Nothing partial, so the filter cannot be used to list names."""
    require_admin(actor)
    parts = search_text(name, max_length=200).split()
    if len(parts) < 2:  # a given name and a family name
        raise InputError(
            "patient_name", "Enter the patient's full name: given name and family name."
        )
    condition = Q()
    for cut in range(1, len(parts)):
        given, family = " ".join(parts[:cut]), " ".join(parts[cut:])
        condition |= Q(family_name__iexact=family) & (
            Q(given_name__iexact=given) | Q(preferred_name__iexact=given)
        )
    return list(
        Patient.objects.filter(condition)
        .order_by("id")
        .values_list("public_id", flat=True)[:AUDIT_NAME_MATCHES]
    )
