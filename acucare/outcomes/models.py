"""Outcomes over a course of care: the measurement schedule of an approved plan, the
measurements taken at its timepoints, the course reviews and the discharge.

The reasoning (tiers, responder status, recommendations) is the review engine's
(`acucare.domain.outcomes`); these rows store its inputs and, for a review or a
discharge, the course and review documents as they were when the practitioner signed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.accounts.models import Versioned
from acucare.patients.models import Episode


class Payer(models.TextChoices):
    OTHER = "", "Self-pay or another insurer"
    MEDICARE = "medicare", "US Medicare"


class MeasurementSchedule(Versioned):
    """A practitioner's edit of the schedule the engine derives for an approved plan.

    Without a row the plan follows the derived schedule; with one, `timepoints` (the same
    shape as the engine's: kind, session, days_after_discharge, instruments) replace it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.OneToOneField(
        "treatment.TreatmentPlan", on_delete=models.PROTECT, related_name="measurement_schedule"
    )
    timepoints = models.JSONField(default=list)
    payer = models.CharField(max_length=12, choices=Payer.choices, blank=True, default="")
    kb_version = models.CharField(max_length=64)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(payer__in=[p.value for p in Payer]), name="schedule_payer_known"
            ),
        )

    def __str__(self) -> str:
        return f"Measurement schedule {self.public_id}"


class MeasurementKind(models.TextChoices):
    # The course document's timepoint kinds (contract part 2), sessions excepted: a
    # session's pain scores are charted with the session itself.
    BASELINE = "baseline", "Baseline"
    REVIEW = "review", "Review"
    DISCHARGE = "discharge", "Discharge"
    FOLLOWUP = "followup", "Follow-up"


class Measurement(models.Model):
    """The questionnaires (and medication doses) taken at one timepoint. Never edited:
    a mistake is corrected by recording the timepoint again (the newer one counts)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="measurements")
    kind = models.CharField(max_length=10, choices=MeasurementKind.choices)
    # Sessions delivered in the episode when the measurement was taken.
    session = models.PositiveIntegerField(default=0)
    date = models.DateField(default=timezone.localdate)
    scores = models.JSONField(default=dict)  # {instrument id: {item number: code}}
    pgic = models.PositiveSmallIntegerField(null=True, blank=True)
    medications = models.JSONField(default=list)  # [{name, dose_mg, doses_per_day}]
    kb_version = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("date", "session", "created_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MeasurementKind]),
                name="measurement_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(pgic__isnull=True) | models.Q(pgic__gte=1, pgic__lte=7),
                name="measurement_pgic_range",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} measurement of {self.date}"


class BeforeSessionAnswer(models.Model):
    """The patient's answers to the schedule's "before each session" questionnaires,
    given in the portal in the window before one booked appointment (docs/portal.md).
    Not a course timepoint: the pain it reports reaches the course as the session's
    pain-before, when the practitioner charting that session keeps it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="before_session_answers"
    )
    # One answer per appointment: a second send cannot make a second row.
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="before_session_answer"
    )
    session = models.PositiveIntegerField()  # the episode's session it comes before
    scores = models.JSONField(default=dict)  # {instrument id: {item number: code}}
    pain = models.PositiveSmallIntegerField(null=True, blank=True)  # the NRS, when asked
    kb_version = models.CharField(max_length=64)
    answered_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("answered_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(pain__isnull=True) | models.Q(pain__lte=10),
                name="before_session_pain_range",
            ),
        )

    def __str__(self) -> str:
        return f"Before-session answers of {self.answered_at:%Y-%m-%d}"


class Decision(models.TextChoices):
    CONTINUE = "continue", "Continue the plan"
    CHANGE_PLAN = "change_plan", "Change the plan"
    STOP = "stop", "Stop acupuncture"
    REFER = "refer", "Refer"
    DISCHARGE = "discharge", "Discharge"


class CourseReview(models.Model):
    """A practitioner's signed review of the course at a planned session."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="course_reviews")
    plan = models.ForeignKey(
        "treatment.TreatmentPlan", on_delete=models.PROTECT, related_name="course_reviews"
    )
    sessions_delivered = models.PositiveIntegerField()
    # The engine's input and output as they stood when the review was signed.
    course_document = models.JSONField()
    review_document = models.JSONField()
    kb_version = models.CharField(max_length=64)
    recommended = models.CharField(max_length=12)  # the engine's action
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.TextField()
    signed_at = models.DateTimeField(default=timezone.now, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("signed_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(decision__in=[d.value for d in Decision]),
                name="review_decision_known",
            ),
        )

    def __str__(self) -> str:
        return f"Review after session {self.sessions_delivered}"


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    NO_RESPONSE = "no_response", "No response to treatment"
    PATIENT_CHOICE = "patient_choice", "The patient's choice"
    REFERRED = "referred", "Referred elsewhere"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"


class Discharge(models.Model):
    """The end of an episode's course: why, how it went, and the follow-ups due."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="discharge")
    reason = models.CharField(max_length=20, choices=DischargeReason.choices)
    date = models.DateField(default=timezone.localdate)
    sessions_delivered = models.PositiveIntegerField()
    primary_tier = models.CharField(max_length=30, blank=True)
    course_document = models.JSONField()
    review_document = models.JSONField()
    # Adverse events over the course: {"total": n, "serious": n, "sessions": [numbers]}.
    adverse_events = models.JSONField(default=dict)
    advice = models.TextField()
    followups = models.JSONField(default=list)  # [{"due": date, "days": n, "instruments": []}]
    kb_version = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(reason__in=[r.value for r in DischargeReason]),
                name="discharge_reason_known",
            ),
        )

    def __str__(self) -> str:
        return f"Discharge of {self.date}"


class OutcomeStage(models.TextChoices):
    REVIEW = "review", "At review"
    DISCHARGE = "discharge", "At discharge"
    FOLLOWUP_3 = "followup_3", "Follow-up at 3 months"
    FOLLOWUP_12 = "followup_12", "Follow-up at 12 months"


class CourseOutcome(models.Model):
    """One course's primary outcome at one stage, as the review engine read it when the
    review or discharge was signed or the follow-up recorded (the newest review counts).

    Kept by the outcome services so that the clinic's outcomes dashboard
    (`acucare.analytics`) aggregates one small table in the database instead of reading
    every course document (docs/analytics.md)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="outcome_rows")
    stage = models.CharField(max_length=12, choices=OutcomeStage.choices)
    # The knowledge base's condition of the episode's primary code ("" when it has none)
    # and the approved plan's protocol id without its version ("" when it has none).
    condition = models.CharField(max_length=80, blank=True)
    protocol = models.CharField(max_length=120, blank=True)
    instrument = models.CharField(max_length=20, blank=True)
    baseline = models.FloatField(null=True, blank=True)
    latest = models.FloatField(null=True, blank=True)
    change = models.FloatField(null=True, blank=True)  # latest − baseline: negative is better
    percent_change = models.FloatField(null=True, blank=True)
    tier = models.CharField(max_length=30, blank=True)
    responder = models.BooleanField(default=False)  # moderate or substantial (≥ 30 %)
    substantial = models.BooleanField(default=False)  # substantial (≥ 50 %)
    pgic = models.PositiveSmallIntegerField(null=True, blank=True)
    mme_baseline = models.FloatField(null=True, blank=True)
    mme_latest = models.FloatField(null=True, blank=True)
    sessions_delivered = models.PositiveIntegerField(default=0)
    recorded_on = models.DateField()

    class Meta:
        ordering = ("episode_id", "stage")
        constraints = (
            models.UniqueConstraint(fields=["episode", "stage"], name="course_outcome_once"),
            models.CheckConstraint(
                condition=models.Q(stage__in=[s.value for s in OutcomeStage]),
                name="course_outcome_stage_known",
            ),
        )
        indexes = (models.Index(fields=["stage", "condition", "protocol"], name="outcome_group"),)

    def __str__(self) -> str:
        return f"{self.get_stage_display()} outcome"
