"""Patients' portal accounts and the invitations that open them (docs/portal.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.patients.models import Patient


class PortalAccount(models.Model):
    """Ties a user of role `patient` to the one patient record it may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_account"
    )
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="portal_account")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Portal account of {self.patient}"


class Invitation(models.Model):
    """A single-use, expiring link to set the portal password.

    Only a SHA-256 digest of the link's token is stored. The token itself is an HMAC of
    the invitation's public id under the server's secret key (`acucare.portal.tokens`),
    so the e-mail job can rebuild it from the row, while a copy of the database alone
    cannot."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer invitation for the same patient replaces this one.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Portal invitation {self.public_id}"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """Neither used, withdrawn nor expired."""
        return invitation_open(self.used_at, self.withdrawn_at, self.expires_at, now)


def invitation_open(
    used_at: dt.datetime | None,
    withdrawn_at: dt.datetime | None,
    expires_at: dt.datetime,
    now: dt.datetime | None = None,
) -> bool:
    """Whether an invitation with these dates is open (`Invitation.is_open`), for a read
    of those columns only (the patient chart's portal section)."""
    return used_at is None and withdrawn_at is None and expires_at > (now or timezone.now())


class AlertKind(models.TextChoices):
    SELF_HARM = "self_harm", "Thoughts of self-harm reported (PHQ-9 item 9)"
    SERIOUS_ADVERSE_EVENT = "serious_adverse_event", "Serious after-effect reported"


class PortalAlert(models.Model):
    """Something a patient reported in the portal that a practitioner must see and
    acknowledge: it stays on the chart and the practitioner's day until then."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="portal_alerts")
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="portal_alerts"
    )
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    # What raised it, for the practitioner (never shown to the patient): e.g. the answer.
    detail = models.JSONField(default=dict)
    # The record it came from (a measurement's public id), if any.
    source_id = models.UUIDField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement = models.TextField(blank=True)

    class Meta:
        ordering = ("-raised_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AlertKind]), name="portal_alert_kind"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_at:%Y-%m-%d})"


class DiaryEntry(models.Model):
    """One day of the patient's diary after a signed session (docs/portal.md): pain,
    sleep, the medicines taken (with their MME) and any after-effects, which are
    recorded on the session as adverse events through `amendment`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diary_entries")
    session = models.ForeignKey(
        "treatment.TreatmentSession", on_delete=models.PROTECT, related_name="diary_entries"
    )
    day = models.DateField()
    pain = models.PositiveSmallIntegerField()  # NRS 0-10
    sleep_hours = models.DecimalField(max_digits=3, decimal_places=1)
    sleep_quality = models.PositiveSmallIntegerField()  # 0 very badly - 10 very well
    # [{"medicine": "oxycodone", "dose": 10.0, "unit": "mg", "times": 2}, ...]
    medicines = models.JSONField(default=list)
    mme_per_day = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    # The after-effects as the patient described them, with their classification.
    after_effects = models.JSONField(default=list)
    amendment = models.OneToOneField(
        "treatment.SessionAmendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="diary_entry",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("-day", "-id")
        constraints = (
            models.UniqueConstraint(fields=["session", "day"], name="diary_day_once"),
            models.CheckConstraint(condition=models.Q(pain__lte=10), name="diary_pain_range"),
            models.CheckConstraint(
                condition=models.Q(sleep_quality__lte=10), name="diary_sleep_quality_range"
            ),
            models.CheckConstraint(
                condition=models.Q(sleep_hours__gte=0) & models.Q(sleep_hours__lte=24),
                name="diary_sleep_hours_range",
            ),
        )

    def __str__(self) -> str:
        return f"Diary of {self.day:%Y-%m-%d}"
