"""Treatment plans built from an assessment, and the sessions charted against them
(STRICTA 2010 items 2 and 4, adverse events classified as in docs/treatment.md)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.accounts.models import Versioned
from acucare.patients.models import Episode


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


class TreatmentPlan(Versioned):
    """One care plan (`acucare.plan/1` document) for an episode, from one assessment.

    The document is the planner's output; a practitioner may add or remove points
    (each edit audited and re-checked) before approving it. A newer plan for the same
    episode supersedes the older ones."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="treatment_plans")
    # The assessment (intake and screening) the plan was generated from.
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    document = models.JSONField()
    kb_version = models.CharField(max_length=64)
    # `id@version` of the protocol, or "" when the plan has none (referral, no group).
    protocol = models.CharField(max_length=120, blank=True)
    rules = models.JSONField(default=list)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in PlanStatus]),
                name="plan_status_known",
            ),
        )

    def __str__(self) -> str:
        return f"Plan {self.public_id} ({self.status})"

    @property
    def acupuncture(self) -> dict[str, Any] | None:
        value = self.document.get("acupuncture")
        return value if isinstance(value, dict) else None

    @property
    def referral_required(self) -> bool:
        return bool(self.document.get("status") == "referral_required")

    @property
    def cannot_start(self) -> bool:
        """No consent or capacity, or everything ruled out: nothing can be given."""
        return bool(self.document.get("status") == "treatment_cannot_start")

    @property
    def points(self) -> list[dict[str, Any]]:
        acupuncture = self.acupuncture
        return list(acupuncture.get("points", [])) if acupuncture else []


class SessionStatus(models.TextChoices):
    DRAFT = "draft", "Draft (not signed)"
    SIGNED = "signed", "Signed"


class TreatmentSession(Versioned):
    """One treatment session, charted against an approved plan.

    Per-point details, electro pairs and co-interventions are stored as validated JSON
    (see `acucare.treatment.charting`, docs/treatment.md); a signed session never changes:
    corrections are amendments."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    date = models.DateField(default=timezone.localdate)
    modality = models.CharField(max_length=30)
    points = models.JSONField(default=list)
    needle = models.JSONField(default=dict)
    electro_pairs = models.JSONField(default=list)
    retention_minutes = models.PositiveIntegerField(null=True, blank=True)
    needles_in = models.PositiveIntegerField()
    needles_out = models.PositiveIntegerField()
    # Why the counts differ (a needle found and removed later, a count error): required
    # before a session whose counts differ can be signed.
    needle_count_explanation = models.TextField(blank=True)
    co_interventions = models.JSONField(default=list)
    pain_before = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # The pain the patient reported before this session in the portal (0-10) and when,
    # when the form was pre-filled from it: `pain_before` differing from it says the
    # practitioner changed it (docs/portal.md, "Before each session").
    pain_before_reported = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_before_reported_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The session check (acucare.session-check/1) at the time of charting.
    check_document = models.JSONField(default=dict)
    kb_version = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("number", "id")
        constraints = (
            models.UniqueConstraint(fields=["plan", "number"], name="session_number_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in SessionStatus]),
                name="session_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_before__lte=10) | models.Q(pain_before__isnull=True),
                name="session_pain_before_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_after__lte=10) | models.Q(pain_after__isnull=True),
                name="session_pain_after_range",
            ),
        )

    def __str__(self) -> str:
        return f"Session {self.number}"

    @property
    def needle_mismatch(self) -> bool:
        return self.needles_in != self.needles_out

    @property
    def signed(self) -> bool:
        return self.status == SessionStatus.SIGNED

    @property
    def adverse_events_at_charting(self) -> list[AdverseEvent]:
        return [e for e in self.adverse_events.all() if e.amendment_id is None]

    @property
    def adverse_events_reported_later(self) -> list[AdverseEvent]:
        """Events added by amendments after signing (the page lists them too)."""
        return [e for e in self.adverse_events.all() if e.amendment_id is not None]


class Seriousness(models.TextChoices):
    # docs/treatment.md: MacPherson 2001 (serious), White 2001 (significant minor, minor),
    # MacPherson & Thomas 2005 (expected transient reactions).
    SERIOUS = "serious", "Serious"
    SIGNIFICANT_MINOR = "significant_minor", "Significant minor"
    MINOR = "minor", "Minor"
    EXPECTED_TRANSIENT = "expected_transient", "Expected transient reaction"


class AdverseEvent(models.Model):
    """An adverse event (or expected reaction) recorded with a session."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    seriousness = models.CharField(max_length=20, choices=Seriousness.choices)
    mechanism = models.CharField(max_length=12)
    type_code = models.CharField(max_length=30)
    description = models.TextField(blank=True)
    needed_treatment = models.BooleanField()
    duration_days = models.PositiveIntegerField(null=True, blank=True)
    avoidable = models.CharField(max_length=8)
    modality = models.CharField(max_length=30)
    reporter = models.CharField(max_length=14)
    # Set when the event was reported after signing, through an amendment.
    amendment = models.ForeignKey(
        "SessionAmendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.type_code} ({self.seriousness})"


class SessionAmendment(models.Model):
    """A correction or addition to a signed session; the original stays as signed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="amendments"
    )
    reason = models.CharField(max_length=300)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"Amendment to {self.session}"
