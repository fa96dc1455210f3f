"""One row per requested run of a background job: its idempotency key, parameters,
attempts, progress and outcome. The queue (django-tasks on the database or on Redis)
carries only the run's id; everything else lives here, in the clinic's database."""

from __future__ import annotations

import uuid

from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    RETRYING = "retrying", "Failed, will try again"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The same key never runs twice while a run with it is queued, running or finished.
    key = models.CharField(max_length=200, unique=True)
    task_path = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # A short description of the current step, written by the job (never patient data).
    progress_message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    # The exception's class only: messages can quote the data that caused them.
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=["status", "created_at"]),)

    def __str__(self) -> str:
        return f"{self.task_path} [{self.key}] {self.status}"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
