"""Reads for the portal: an invitation by its link, the chart's portal section, and the
patient's own home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.patients.models import Patient
from acucare.patients.selectors import PatientChart
from acucare.portal import tokens
from acucare.portal.access import portal_patient
from acucare.portal.models import Invitation, PortalAccount
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


@dataclass(frozen=True)
class PortalStatus:
    """The chart's portal section: whether the patient has an account, and the latest
    invitation (for staff: its state, never its link)."""

    has_account: bool
    signed_in_last: dt.datetime | None
    latest: Invitation | None
    latest_open: bool


def chart_portal(actor: Actor, chart: PatientChart) -> PortalStatus:
    """The chart reached the patient through `access_patient` and audited the read."""
    del actor
    account = PortalAccount.objects.select_related("user").filter(patient=chart.patient).first()
    latest = Invitation.objects.filter(patient=chart.patient).first()
    return PortalStatus(
        has_account=account is not None,
        signed_in_last=account.user.last_login if account is not None else None,
        latest=latest,
        latest_open=latest is not None and latest.is_open(),
    )


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    practitioner_name: str
    appointments: list[Appointment]


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
    return PortalHome(patient, patient.primary_practitioner.display_name, upcoming)
