"""The audit log: one row for every read and every write of patient data, and for
security events (sign-in, sign-out, role changes). Rows are append-only."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from acucare.audit.reading import detail_text
from acucare.core.words import words


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are chained one by one: use create()")


class Action(models.TextChoices):
    READ = "read", "Read"
    DENIED = "denied", "Access refused"
    LIST = "list", "List"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    SHARE = "share", "Share"
    UNSHARE = "unshare", "Unshare"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGIN_LOCKED = "login_locked", "Sign-in refused (locked)"
    LOGOUT = "logout", "Sign out"
    TIMEOUT = "timeout", "Signed out after inactivity"
    TWO_FACTOR = "two_factor", "Two-factor change"
    TOKEN_CREATE = "token_create", "API token created"
    TOKEN_REVOKE = "token_revoke", "API token revoked"
    DEACTIVATE = "deactivate", "Deactivate"
    ACTIVATE = "activate", "Reactivate"


class AuditEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # The username at the time, kept so the row reads correctly even after a rename.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.UUIDField(null=True, blank=True)
    patient_id = models.UUIDField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=10, default="web")
    detail = models.JSONField(default=dict, blank=True)
    # The hash chain (acucare.audit.chain): position, the previous event's hash, this one's.
    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = (
            "-at",
            "-id",
        )
        indexes = (models.Index(fields=["actor", "at"], name="audit_actor_at"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        kwargs["force_insert"] = True
        from acucare.audit.chain import chain_event

        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            chain_event(self)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def object_type_label(self) -> str:
        """The record type in words ("Care plan", not treatment_plan) for the log page."""
        return words(self.object_type)

    @property
    def detail_summary(self) -> str:
        """The detail in words for the log page (the export has it in full, as stored)."""
        return detail_text(self.detail)


class AuditChainHead(models.Model):
    """One row: the newest event's sequence number and hash. Appends lock it, so the
    chain never forks; verification compares it with the newest row."""

    seq = models.BigIntegerField(default=0)
    row_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain at {self.seq}"


class AuditVerification(models.Model):
    """The result of one `audit_verify` run, shown to the clinic admin."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    ok = models.BooleanField()
    checked = models.BigIntegerField()
    message = models.CharField(max_length=300)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    first_bad_id = models.CharField(max_length=36, blank=True)
    head_seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"
