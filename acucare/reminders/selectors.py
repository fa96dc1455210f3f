"""Reads for reminders: who receives them, what is due now and not yet claimed, whether
a claimed reminder is still wanted when its job runs, and the admin's list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin
from acucare.outcomes.patient_due import appointments_for, questionnaires_due_now
from acucare.outcomes.selectors import chart_progress
from acucare.patients.models import Episode, Patient
from acucare.reminders.models import Reminder, ReminderKind, ReminderPreference
from acucare.scheduling.models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class DueReminder:
    """Something a patient should be reminded of, under its once-only key."""

    key: str
    patient: Patient
    kind: str
    due_at: dt.datetime
    subject_id: uuid.UUID


Recipients = Callable[[], QuerySet[Patient]]
_recipients: list[Recipients] = []


def register_recipients(source: Recipients) -> None:
    """Who may receive reminders is the portal's to say (an app above this one, which
    plugs in here from its `AppConfig.ready()`): the patients with an active account."""
    if source not in _recipients:
        _recipients.append(source)


def reminder_audience() -> QuerySet[Patient]:
    """Patients who receive reminders: those the portal names (reminders lead to the
    portal, where the patient makes their choice), with an e-mail address, who have not
    turned reminders off. Nobody, when no portal is installed."""
    if not _recipients:
        return Patient.objects.none()
    found = Patient.objects.none()
    for source in _recipients:
        found = found | source()
    return found.exclude(email="").exclude(reminder_preference__email_reminders=False)


def reminders_wanted(patient: Patient) -> bool:
    preference = ReminderPreference.objects.filter(patient=patient).first()
    return preference is None or preference.email_reminders


def appointment_key(appointment: Appointment) -> str:
    # A moved appointment is a new one to remind of: its start is in the key.
    start = appointment.start.astimezone(dt.UTC)
    return (
        f"appointment:{appointment.patient.public_id}:{appointment.public_id}:{start:%Y%m%dT%H%MZ}"
    )


def questionnaire_key(patient: Patient, episode: Episode, kind: str, point: str) -> str:
    return f"questionnaire:{patient.public_id}:{episode.public_id}:{kind}:{point}"


def _appointments_due(now: dt.datetime, audience: QuerySet[Patient]) -> list[DueReminder]:
    window = dt.timedelta(hours=int(settings.ACUCARE_REMINDER_HOURS))
    booked = Appointment.objects.filter(
        patient__in=audience,
        status=AppointmentStatus.BOOKED,
        start__gt=now,
        start__lte=now + window,
    ).select_related("patient")
    return [
        DueReminder(appointment_key(a), a.patient, ReminderKind.APPOINTMENT, a.start, a.public_id)
        for a in booked
    ]


def _questionnaires_due(now: dt.datetime, audience: QuerySet[Patient]) -> list[DueReminder]:
    episodes = list(Episode.objects.filter(patient__in=audience).select_related("patient"))
    progress = chart_progress(episodes, charts=False)
    visits = appointments_for({e.patient_id for e in episodes}, now)
    found: dict[str, DueReminder] = {}
    for episode in episodes:
        for due in questionnaires_due_now(progress[episode.pk], visits):
            key = questionnaire_key(episode.patient, episode, due.kind, due.point)
            found[key] = DueReminder(
                key, episode.patient, ReminderKind.QUESTIONNAIRE, now, episode.public_id
            )
    return list(found.values())


def reminders_due(*, now: dt.datetime) -> list[DueReminder]:
    """What should be reminded of now and has not been claimed yet, appointments first."""
    audience = reminder_audience()
    due = _appointments_due(now, audience) + _questionnaires_due(now, audience)
    claimed = set(
        Reminder.objects.filter(key__in=[d.key for d in due]).values_list("key", flat=True)
    )
    return [d for d in due if d.key not in claimed]


def appointment_still_due(reminder: Reminder, now: dt.datetime) -> Appointment | None:
    """The reminder's appointment if it is still booked, at the time the reminder was
    claimed for, and still to come."""
    appointment = (
        Appointment.objects.select_related("practitioner", "patient")
        .filter(public_id=reminder.subject_id, patient=reminder.patient)
        .first()
    )
    if (
        appointment is None
        or appointment.status != AppointmentStatus.BOOKED
        or appointment.start != reminder.due_at
        or appointment.start <= now
    ):
        return None
    return appointment


def questionnaire_still_due(reminder: Reminder) -> bool:
    """Whether the episode still asks for the questionnaire the reminder was claimed for
    (the patient may have answered it since)."""
    episode = Episode.objects.filter(
        public_id=reminder.subject_id, patient=reminder.patient
    ).first()
    if episode is None:
        return False
    progress = chart_progress([episode], charts=False)[episode.pk]
    visits = appointments_for([episode.patient_id])
    return any(
        questionnaire_key(reminder.patient, episode, due.kind, due.point) == reminder.key
        for due in questionnaires_due_now(progress, visits)
    )


def reminders_recent(*, actor: Actor, limit: int = 200) -> list[Reminder]:
    """The clinic admin's list of recent reminders and what became of them (audited)."""
    require_admin(actor)
    rows = list(Reminder.objects.select_related("patient")[:limit])
    audit_record(actor=actor, action="list", object_type="reminder", detail={"shown": len(rows)})
    return rows
