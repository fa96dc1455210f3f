"""Appointments: who sees which patient when. Demographic-level data only: reception
manages these, so nothing here is clinical content."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from acucare.accounts.models import Versioned
from acucare.patients.models import Patient

MIN_MINUTES = 15
MAX_MINUTES = 180
NOTE_MAX_LENGTH = 200


class AppointmentKind(models.TextChoices):
    INITIAL_ASSESSMENT = "initial_assessment", "Initial assessment"
    TREATMENT = "treatment", "Treatment"
    REVIEW = "review", "Review"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


# An appointment in one of these states holds the practitioner's time.
HOLDS_TIME = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class Appointment(Versioned):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    start = models.DateTimeField()
    # Stored (start + duration) so that the overlap check is one indexed range query.
    end = models.DateTimeField(editable=False)
    duration_minutes = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    note = models.CharField(
        "Booking note (no clinical details)", max_length=NOTE_MAX_LENGTH, blank=True
    )
    cancel_reason = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ("start", "id")
        indexes = (
            models.Index(fields=["practitioner", "start"], name="appointment_diary"),
            models.Index(fields=["patient", "start"], name="appointment_patient"),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=MIN_MINUTES)
                & models.Q(duration_minutes__lte=MAX_MINUTES),
                name="appointment_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AppointmentKind]),
                name="appointment_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AppointmentStatus]),
                name="appointment_status_known",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDS_TIME
