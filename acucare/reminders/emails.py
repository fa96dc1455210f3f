"""The reminder e-mail, sent by a background job (`acucare.jobs`).

The job's only parameter is the reminder's public id. It sends nothing when the reminder
was sent already, the patient has turned reminders off, or the thing it reminds of is
no longer due (the appointment cancelled or moved, the questionnaire answered). An SMTP
failure is recorded on the reminder (its class only) and raised, so the job framework
tries again with a doubling delay; after the last attempt the reminder shows as failed
on the admin's page. The e-mail says when and whom, never why: no condition,
treatment or answer."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from acucare.accounts.selectors import clinic_settings
from acucare.jobs.framework import JobContext, job
from acucare.reminders.models import Reminder, ReminderKind, ReminderStatus
from acucare.reminders.selectors import (
    appointment_still_due,
    questionnaire_still_due,
    reminders_wanted,
)
from acucare.scheduling.models import Appointment

logger = logging.getLogger("acucare.reminders")

# Attempts at sending one reminder, the first retry after a minute, then 2, 4 and 8.
REMINDER_ATTEMPTS = 5
RETRY_AFTER_SECONDS = 60.0

_TURN_OFF = "You can turn these e-mail reminders off in your portal, under Reminders."


def _portal_link() -> str:
    return f"{settings.ACUCARE_SITE_URL}/portal/"


def _appointment_message(reminder: Reminder, appointment: Appointment) -> tuple[str, str]:
    local = timezone.localtime(appointment.start)
    when = f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"
    clinic = clinic_settings().name
    return (
        f"Reminder: your appointment on {when}",
        f"Hello {reminder.patient.given_name},\n\n"
        f"This is a reminder of your appointment at {clinic} on {when} with "
        f"{appointment.practitioner.display_name}.\n\n"
        "If you cannot come, please let the clinic know as soon as you can.\n\n"
        f"Your portal: {_portal_link()}\n\n{_TURN_OFF}\n",
    )


def _questionnaire_message(reminder: Reminder) -> tuple[str, str]:
    clinic = clinic_settings().name
    return (
        "You have questionnaires to fill in",
        f"Hello {reminder.patient.given_name},\n\n"
        f"{clinic} asks you to fill in a few short questionnaires in your portal. "
        "Your answers help you and your practitioner see how your care is going.\n\n"
        f"Sign in to your portal: {_portal_link()}\n\n{_TURN_OFF}\n",
    )


def _message(reminder: Reminder) -> EmailMessage | None:
    """The e-mail to send, or None when it is no longer needed."""
    if not reminders_wanted(reminder.patient):
        return None
    if reminder.kind == ReminderKind.APPOINTMENT:
        appointment = appointment_still_due(reminder, timezone.now())
        if appointment is None:
            return None
        subject, body = _appointment_message(reminder, appointment)
    else:
        if not questionnaire_still_due(reminder):
            return None
        subject, body = _questionnaire_message(reminder)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.patient.email],
    )


@job(max_attempts=REMINDER_ATTEMPTS, retry_after_seconds=RETRY_AFTER_SECONDS)
def send_reminder(ctx: JobContext) -> dict[str, Any]:
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .select_related("patient")
            .filter(public_id=ctx.params["reminder"])
            .first()
        )
        if reminder is None or reminder.status in (ReminderStatus.SENT, ReminderStatus.CANCELLED):
            return {"sent": False}
        message = _message(reminder)
        if message is None:
            reminder.status = ReminderStatus.CANCELLED
            reminder.save(update_fields=["status"])
            return {"sent": False}
        reminder.attempts = ctx.attempt
        reminder.save(update_fields=["attempts"])
    log = {"reminder": str(reminder.public_id), "kind": reminder.kind, "attempt": ctx.attempt}
    try:
        message.send(fail_silently=False)
    except Exception as error:
        kind = f"{type(error).__module__}.{type(error).__qualname__}"[:200]
        last = ctx.attempt >= REMINDER_ATTEMPTS
        Reminder.objects.filter(pk=reminder.pk).update(
            status=ReminderStatus.FAILED if last else ReminderStatus.RETRYING, error=kind
        )
        logger.warning("reminder not sent", extra={**log, "error": kind, "will_retry": not last})
        raise
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), error=""
    )
    logger.info("reminder sent", extra=log)
    return {"sent": True}
