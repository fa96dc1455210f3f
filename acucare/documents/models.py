"""Signed clinical documents (letters and reports) as stored PDFs.

A row is written once, when the practitioner signs, and never changed or removed: the
model and its queryset refuse it, and a database trigger refuses it too (migration
0002). A corrected or newer document is a new row, the next `version` of the same
series, that names the one it `supersedes`; the current version of a series is the one
nothing supersedes. The PDF itself is stored under MEDIA_ROOT by its SHA-256
(`acucare.documents.storage`), which is checked again on every download.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from acucare.patients.models import Episode, Patient


class ImmutableDocumentError(Exception):
    """Raised on any attempt to change or remove a signed document."""


class DocumentKind(models.TextChoices):
    REFERRAL_LETTER = "referral_letter", "Referral letter"
    PROGRESS_REPORT = "progress_report", "Progress report"
    DISCHARGE_SUMMARY = "discharge_summary", "Discharge summary"
    PATIENT_REPORT = "patient_report", "Progress report for the patient"


class DocumentQuerySet(models.QuerySet["Document"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableDocumentError("a signed document cannot be changed: sign a new version")

    def delete(self) -> NoReturn:
        raise ImmutableDocumentError("a signed document cannot be removed")


class Document(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    # The record the document is about (the assessment of a referral letter, the course
    # review of a progress report, the discharge of a summary); versions of one document
    # share kind, episode and subject.
    subject_type = models.CharField(max_length=20)
    subject_id = models.UUIDField()
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    title = models.CharField(max_length=200)
    addressee = models.CharField(max_length=200, blank=True)  # whom it is written to
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40, default="application/pdf")
    pdf_variant = models.CharField(max_length=20, blank=True)  # e.g. pdf/ua-1
    kb_version = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signed_documents"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ("-signed_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["episode", "kind", "subject_id", "version"], name="document_version_once"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in DocumentKind]),
                name="document_kind_known",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="document_version_1"),
        )
        indexes = (models.Index(fields=["patient", "signed_at"], name="document_patient"),)

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocumentError("a signed document cannot be changed: sign a new version")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableDocumentError("a signed document cannot be removed")

    @property
    def file_name(self) -> str:
        """The name a download is saved under (words, the date and the version)."""
        words = self.get_kind_display().lower().replace(" ", "-")
        return f"{words}-{self.signed_at:%Y-%m-%d}-v{self.version}.pdf"
