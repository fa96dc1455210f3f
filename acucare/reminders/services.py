"""Writes of reminders: claiming what is due (once only, then queued for sending) and a
patient's choice to receive them. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.jobs.framework import enqueue_job
from acucare.patients.models import Patient
from acucare.reminders.emails import send_reminder
from acucare.reminders.models import Reminder, ReminderPreference
from acucare.reminders.selectors import DueReminder


def _claim(due: DueReminder) -> Reminder | None:
    """Claim one reminder under its key (a savepoint), or None when another scan has it
    already."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                key=due.key,
                patient=due.patient,
                kind=due.kind,
                due_at=due.due_at,
                subject_id=due.subject_id,
            )
            audit_record(
                actor=None,
                username="reminders",
                action="create",
                object_type="reminder",
                object_id=reminder.public_id,
                patient_id=due.patient.public_id,
                detail={"kind": due.kind},
            )
            # Queued only once the claim is committed, so the job always finds its row.
            transaction.on_commit(lambda: _queue(reminder))
    except IntegrityError:
        return None
    return reminder


def _queue(reminder: Reminder) -> None:
    enqueue_job(
        send_reminder,
        key=f"reminder:{reminder.public_id}",
        params={"reminder": str(reminder.public_id)},
    )


@transaction.atomic
def reminders_claim(*, due: Sequence[DueReminder]) -> list[Reminder]:
    """Claim each due reminder (a unique key per patient, item and due time) and queue
    its e-mail once the claims commit. A key claimed before, by this scan or another
    running beside it (the unique key makes it wait, then fail), is skipped: a reminder
    is sent once at most."""
    claimed = [_claim(d) for d in due]
    return [r for r in claimed if r is not None]


@transaction.atomic
def reminder_preference_set(
    *, actor: Actor, patient: Patient, email_reminders: bool, now: dt.datetime | None = None
) -> ReminderPreference:
    """The patient turns e-mail reminders on or off (the portal checked it is their own
    record). Reminders already claimed but not sent are not sent once turned off."""
    preference, _ = ReminderPreference.objects.select_for_update().get_or_create(patient=patient)
    preference.email_reminders = email_reminders
    preference.updated_at = now or timezone.now()
    preference.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="reminder_preference",
        patient_id=patient.public_id,
        detail={"email_reminders": email_reminders},
    )
    return preference
