"""Appointments: who sees which patient when, in which room; the clinic's opening hours
and each practitioner's availability. Demographic-level data only: reception manages
these, so nothing here is clinical content."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models

from acucare.accounts.models import Tracked, Versioned
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


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


ROOM_NAME_MAX_LENGTH = 60


class Room(Tracked):
    """A treatment room. A room in use is never deleted, only taken out of use, so past
    appointments keep it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=ROOM_NAME_MAX_LENGTH, unique=True)
    in_use = models.BooleanField(default=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class OpeningHours(Tracked):
    """When the clinic is open on a weekday; a weekday without a row is closed. With no
    rows at all the clinic has not set its hours, and nothing is checked against them."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ("weekday",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0) & models.Q(weekday__lte=6),
                name="opening_hours_weekday",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def span(self) -> tuple[dt.time, dt.time]:
        return self.opens, self.closes


class Availability(Tracked):
    """When a practitioner works on a weekday (one period a day); a weekday without a row
    is a day off. A practitioner with no rows has not set availability: nothing is checked."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ("practitioner", "weekday")
        constraints = (
            models.UniqueConstraint(
                fields=["practitioner", "weekday"], name="availability_one_period_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="availability_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0) & models.Q(weekday__lte=6),
                name="availability_weekday",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def span(self) -> tuple[dt.time, dt.time]:
        return self.starts, self.ends


# An appointment in one of these states holds the practitioner's time.
HOLDS_TIME = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class Appointment(Versioned):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
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
