"""E-mail reminders to patients (docs/portal.md): one row per reminder, claimed under a
once-only key before it is sent, and each patient's choice to receive them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from acucare.patients.models import Patient


class ReminderKind(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Questionnaires to fill in"
    APPOINTMENT = "appointment", "Coming appointment"


class ReminderStatus(models.TextChoices):
    CLAIMED = "claimed", "Waiting to be sent"
    RETRYING = "retrying", "Not sent yet, will try again"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Not sent: no longer needed"


# Why a sending failed, in words for the admin's page, by the exception's class.
ERROR_LABELS = {
    "ConnectionRefusedError": "The mail server could not be reached",
    "gaierror": "The mail server's name could not be found",
    "TimeoutError": "The mail server did not answer in time",
    "SMTPServerDisconnected": "The mail server closed the connection",
    "SMTPConnectError": "The mail server refused the connection",
    "SMTPAuthenticationError": "The mail server refused the clinic's user name or password",
    "SMTPSenderRefused": "The mail server refused the clinic's sending address",
    "SMTPRecipientsRefused": "The mail server refused the patient's address",
    "SMTPDataError": "The mail server refused the message",
}


class Reminder(models.Model):
    """One reminder of one thing to one patient. `key` names the patient, the item and
    its due time; it is unique, so the scan that claims it first is the only one that
    ever sends it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=200, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    # The appointment's start, or the moment the questionnaire was found due.
    due_at = models.DateTimeField()
    # The appointment's or the episode's public id (never shown to the patient).
    subject_id = models.UUIDField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.CLAIMED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last failure's exception class only: messages can quote addresses.
    error = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-claimed_at", "-id")
        indexes = (models.Index(fields=["status", "claimed_at"], name="reminder_status"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in ReminderKind]),
                name="reminder_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ReminderStatus]),
                name="reminder_status_known",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder ({self.get_status_display()})"

    @property
    def error_label(self) -> str:
        if not self.error:
            return ""
        return ERROR_LABELS.get(self.error.rsplit(".", 1)[-1], "The e-mail could not be sent")


class ReminderPreference(models.Model):
    """A patient's choice, made in the portal. Without a row, reminders are on."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="reminder_preference"
    )
    email_reminders = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reminders {'on' if self.email_reminders else 'off'}"
