"""Patients (demographics), who may see them, and their episodes of care."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.accounts.models import Versioned
from acucare.patients.conditions import CodeReading, read_code


class Sex(models.TextChoices):
    # The intake document's vocabulary (spec: patient.sex).
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class Patient(Versioned):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    primary_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_patients"
    )
    # The patient's general practitioner (family doctor): whom letters and reports go to
    # when the episode names no other referrer (docs/documents.md).
    gp_name = models.CharField("GP's name", max_length=200, blank=True)
    gp_practice = models.CharField("GP practice", max_length=200, blank=True)
    gp_address = models.TextField("GP practice address", blank=True)
    gp_email = models.EmailField("GP's e-mail", blank=True)

    class Meta:
        ordering = (
            "family_name",
            "given_name",
            "id",
        )
        indexes = (models.Index(fields=["family_name", "given_name"], name="patient_name"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(sex__in=[s.value for s in Sex]), name="patient_sex_known"
            ),
        )

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PatientShare(models.Model):
    """Another practitioner who may see and chart this patient."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="shares")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shared_patients"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["patient", "practitioner"], name="patient_share_once"),
        )

    def __str__(self) -> str:
        return f"{self.patient} shared with {self.practitioner}"


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DISCHARGED = "discharged", "Discharged"


@dataclass(frozen=True)
class Addressee:
    """A clinician that letters are written to (name, practice, address, e-mail)."""

    name: str
    practice: str
    address: str
    email: str
    # "referrer" (the clinician who referred the episode) or "gp" (the patient's GP).
    role: str


class ReferralSource(models.TextChoices):
    SELF = "self", "Self-referred"
    GP = "gp", "The patient's GP"
    CLINICIAN = "clinician", "Another clinician"


class Episode(Versioned):
    """One episode of care for one complaint."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    complaint = models.CharField(max_length=200)
    status = models.CharField(
        max_length=12, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    # Who referred this episode. A clinician other than the patient's GP is named here;
    # a GP referral points at the GP on the patient's details.
    referral_source = models.CharField(
        max_length=10, choices=ReferralSource.choices, default=ReferralSource.SELF
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_practice = models.CharField(max_length=200, blank=True)
    referrer_address = models.TextField(blank=True)
    referrer_email = models.EmailField(blank=True)
    # How many of the episode's sessions are signed, kept by the treatment services
    # (`acucare.treatment.counts`) for the clinic dashboard (docs/analytics.md).
    signed_sessions = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = (
            "-started_on",
            "-id",
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in EpisodeStatus]),
                name="episode_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(referral_source__in=[s.value for s in ReferralSource]),
                name="episode_referral_source_known",
            ),
        )

    def __str__(self) -> str:
        return self.complaint

    @property
    def addressee(self) -> Addressee | None:
        """Whom letters about this episode go to: the referring clinician, else the
        patient's GP; None when neither is recorded."""
        if self.referral_source == ReferralSource.CLINICIAN and self.referrer_name:
            return Addressee(
                self.referrer_name,
                self.referrer_practice,
                self.referrer_address,
                self.referrer_email,
                "referrer",
            )
        patient = self.patient
        if patient.gp_name:
            return Addressee(
                patient.gp_name, patient.gp_practice, patient.gp_address, patient.gp_email, "gp"
            )
        return None


class EpisodeCondition(models.Model):
    """An ICD-10-CM coded condition of an episode; position 0 is the primary one."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="conditions")
    position = models.PositiveSmallIntegerField()
    icd10 = models.CharField(max_length=8)
    duration_weeks = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(fields=["episode", "position"], name="episode_condition_slot"),
            models.UniqueConstraint(fields=["episode", "icd10"], name="episode_condition_once"),
        )

    def __str__(self) -> str:
        return self.icd10

    @property
    def reading(self) -> CodeReading:
        """The knowledge base's descriptor and condition group for the code (no query)."""
        return read_code(self.icd10)
