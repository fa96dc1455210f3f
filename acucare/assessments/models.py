"""Intake and safety screening of an episode of care.

An `Assessment` is one saved intake with its screening. It is never edited once
screened: a new intake supersedes it (`superseded_at`), so the history stays readable
and every plan can point at the screening it was made against. `urgent` and `refer`
findings are acknowledged, each with a note, in `FindingAcknowledgement` before a plan
may be approved.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.patients.models import Episode


class Decision(models.TextChoices):
    # The screening document's vocabulary (spec: acucare.screening/1), least severe first.
    PROCEED = "proceed", "Proceed"
    PROCEED_WITH_PRECAUTIONS = "proceed_with_precautions", "Proceed with precautions"
    REFER_BEFORE_TREATMENT = "refer_before_treatment", "Refer before treatment"
    URGENT_REFERRAL = "urgent_referral", "Urgent referral"


# Findings at these levels must each be acknowledged before a plan is approved.
ACKNOWLEDGED_LEVELS = ("urgent", "refer")


class Assessment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="assessments")
    # The normalised intake document (acucare.intake/1) and its screening
    # (acucare.screening/1, each finding extended with the rule's rationale).
    intake_document = models.JSONField()
    screening_document = models.JSONField()
    kb_version = models.CharField(max_length=64)
    decision = models.CharField(max_length=32, choices=Decision.choices)
    rules_applied = models.JSONField(default=list)  # ["rule_id@version", ...]
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # Set once, when a newer intake replaces this one; null while it is current.
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(decision__in=[d.value for d in Decision]),
                name="assessment_decision_known",
            ),
            # At most one current assessment per episode; two racing intakes cannot both win.
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(superseded_at__isnull=True),
                name="assessment_one_current",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def unacknowledged(self) -> list[dict[str, object]]:
        """The urgent and refer findings that nobody has acknowledged yet, most severe
        first (the screening lists findings by severity)."""
        to_acknowledge = self.to_acknowledge()
        if not to_acknowledge:
            return []  # nothing to look up: a screening without such findings needs no query
        acknowledged = {a.rule for a in self.acknowledgements.all()}
        return [f for f in to_acknowledge if f.get("rule") not in acknowledged]

    def to_acknowledge(self) -> list[dict[str, object]]:
        """The urgent and refer findings, acknowledged or not."""
        return [f for f in self.findings if f.get("level") in ACKNOWLEDGED_LEVELS]

    @property
    def unacknowledged_count(self) -> int:
        return len(self.unacknowledged())

    @property
    def findings(self) -> list[dict[str, Any]]:
        findings: list[dict[str, Any]] = self.screening_document.get("findings", [])
        return findings


class FindingAcknowledgement(models.Model):
    """A practitioner's note that they have acted on an urgent or refer finding."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    rule = models.CharField(max_length=100)
    rule_version = models.PositiveIntegerField()
    level = models.CharField(max_length=10)
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=["assessment", "rule"], name="finding_acknowledged_once"
            ),
        )

    def __str__(self) -> str:
        return f"{self.rule} acknowledged"


class ReferralOutcome(models.Model):
    """The answer to the referral a `refer` finding asked for: cleared for treatment by
    a named clinician on a date, or not cleared (`acucare.domain.referrals`). Rows are
    only added; the latest for a finding is the one that counts, so a referral first
    not cleared and cleared after tests keeps both answers in the record."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="referral_outcomes"
    )
    rule = models.CharField(max_length=100)
    rule_version = models.PositiveIntegerField()
    cleared = models.BooleanField()
    clinician = models.CharField(max_length=200)
    decided_on = models.DateField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.rule}: {'cleared' if self.cleared else 'not cleared'}"
