"""Reads for the portal: an invitation by its link, the chart's portal section, and the
patient's own home page."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from acucare.accounts import submissions
from acucare.accounts.models import User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.outcomes.patient_due import DueQuestionnaire, questionnaires_due_now
from acucare.outcomes.selectors import chart_progress
from acucare.patients.access import visible_patients
from acucare.patients.models import Episode, Patient
from acucare.patients.selectors import PatientChart
from acucare.portal import tokens
from acucare.portal.access import portal_patient
from acucare.portal.models import Invitation, PortalAccount, PortalAlert
from acucare.reminders.selectors import reminders_wanted
from acucare.scheduling.models import Appointment, AppointmentStatus


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, used or not (None for an unknown token)."""
    if not token or len(token) > 128:
        return None
    return Invitation.objects.select_related("patient").filter(digest=tokens.digest(token)).first()


def invitation_problem(invitation: Invitation | None, now: dt.datetime | None = None) -> str:
    """Why a link cannot be used, in the patient's words ("" when it can)."""
    if invitation is None:
        return "This invitation link is not valid. Ask the clinic to send you a new one."
    if invitation.used_at is not None:
        return (
            "This invitation link was already used. Sign in with your e-mail address and "
            "password, or ask the clinic to send you a new link."
        )
    if invitation.withdrawn_at is not None:
        return "The clinic has sent you a newer invitation. Use the link in the latest e-mail."
    if invitation.expires_at <= (now or timezone.now()):
        return "This invitation link has expired. Ask the clinic to send you a new one."
    return ""


def invitation_used_by(invitation: Invitation | None, user: User) -> bool:
    """Whether `invitation` was used and `user` is the portal account it opened (a second
    send of the set-password form from the browser the first send signed in)."""
    return (
        invitation is not None
        and invitation.used_at is not None
        and PortalAccount.objects.filter(patient=invitation.patient_id, user=user).exists()
    )


@dataclass(frozen=True)
class PortalStatus:
    """The chart's portal section: whether the patient has an account, the latest
    invitation (for staff: its state, never its link) and, for practitioners, the alerts
    the patient's reports raised that nobody has acknowledged yet."""

    has_account: bool
    signed_in_last: dt.datetime | None
    latest: Invitation | None
    latest_open: bool
    open_alerts: list[PortalAlert]


def chart_portal(actor: Actor, chart: PatientChart) -> PortalStatus:
    """The chart reached the patient through `access_patient` and audited the read."""
    account = PortalAccount.objects.select_related("user").filter(patient=chart.patient).first()
    latest = Invitation.objects.filter(patient=chart.patient).first()
    alerts = (
        list(PortalAlert.objects.filter(patient=chart.patient, acknowledged_at=None))
        if actor.is_practitioner and chart.clinical
        else []
    )
    return PortalStatus(
        has_account=account is not None,
        signed_in_last=account.user.last_login if account is not None else None,
        latest=latest,
        latest_open=latest is not None and latest.is_open(),
        open_alerts=alerts,
    )


def open_alerts(*, actor: Actor) -> QuerySet[PortalAlert]:
    """Unacknowledged alerts of the patients a practitioner looks after (their day page,
    which audits its own read)."""
    if not actor.is_practitioner:
        return PortalAlert.objects.none()
    return PortalAlert.objects.filter(
        acknowledged_at=None, patient__in=visible_patients(actor)
    ).select_related("patient")


def alert_for_acknowledgement(*, actor: Actor, alert_id: uuid.UUID | str) -> PortalAlert:
    """An alert a practitioner may acknowledge: one of a patient they look after (404
    for any other, as for the patient's chart)."""
    if not actor.is_practitioner or not actor.user.is_active:
        raise PermissionDenied("Only a practitioner acknowledges a patient's alert.")
    found = (
        PortalAlert.objects.select_related("patient")
        .filter(
            public_id=parse_public_id(alert_id, "alert"),
            patient__in=visible_patients(actor),
        )
        .first()
    )
    if found is None:
        raise Http404("No such alert.")
    return found


def _episodes(patient: Patient) -> list[Episode]:
    return list(patient.episodes.select_related("patient").order_by("-started_on", "-id"))


def due_questionnaires(*, actor: Actor) -> list[DueQuestionnaire]:
    """The questionnaires the patient's schedules ask for now, in every episode."""
    patient = portal_patient(actor)
    episodes = _episodes(patient)
    progress = chart_progress(episodes) if episodes else {}
    return [due for e in episodes for due in questionnaires_due_now(progress[e.pk])]


def questionnaire_due(*, actor: Actor, episode_id: uuid.UUID | str, kind: str) -> DueQuestionnaire:
    """One due questionnaire of the patient's own episode: another patient's episode, or
    a timepoint that is not due, is "not found" (404)."""
    patient = portal_patient(actor)
    wanted = parse_public_id(episode_id, "questionnaire")
    episode = next((e for e in _episodes(patient) if e.public_id == wanted), None)
    if episode is None:
        raise Http404("No such questionnaire.")
    due = next(
        (
            d
            for d in questionnaires_due_now(chart_progress([episode])[episode.pk])
            if d.kind == kind
        ),
        None,
    )
    if due is None:
        raise Http404("No such questionnaire.")
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_questionnaire",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        detail={"kind": kind},
    )
    return due


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    practitioner_name: str
    appointments: list[Appointment]
    due: list[DueQuestionnaire]


def portal_home(*, actor: Actor) -> PortalHome:
    """The patient's own home page: who they see and their coming appointments."""
    patient = portal_patient(actor)
    upcoming = list(
        Appointment.objects.filter(
            patient=patient, end__gt=timezone.now(), status=AppointmentStatus.BOOKED
        )
        .select_related("practitioner")
        .order_by("start", "id")
    )
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_home",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return PortalHome(
        patient,
        patient.primary_practitioner.display_name,
        upcoming,
        due_questionnaires(actor=actor),
    )


def questionnaire_resent(*, actor: Actor, key: str | None) -> None:
    """Raise `DuplicateSubmission` when this form key already saved a questionnaire."""
    try:
        parsed = uuid.UUID(str(key)) if key else None
    except ValueError:
        return
    if parsed is not None:
        submissions.refuse_if_claimed(actor=actor, key=parsed, object_type="measurement")


def reminder_settings(*, actor: Actor) -> tuple[Patient, bool]:
    """The signed-in patient and whether they receive e-mail reminders (audited read)."""
    patient = portal_patient(actor)
    audit_record(
        actor=actor,
        action="read",
        object_type="reminder_preference",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return patient, reminders_wanted(patient)


def portal_patients() -> QuerySet[Patient]:
    """Patients with an active portal account (those the reminders are for)."""
    return Patient.objects.filter(portal_account__user__is_active=True)
