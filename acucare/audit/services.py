"""The one writer of audit events. Other services call `audit_record` inside their own
transaction, so that a change and its audit row commit (or roll back) together."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from acucare.audit.chain import verify_chain
from acucare.audit.models import AuditEvent, AuditVerification
from acucare.core.actor import Actor


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    username: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. `username`/`ip_address` cover events without an authenticated
    actor (a failed sign-in)."""
    user = actor.user if actor is not None and actor.user.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.username if user is not None else username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        ip_address=actor.ip_address if actor is not None else ip_address,
        user_agent=actor.user_agent if actor is not None else "",
        channel=actor.channel if actor is not None else "web",
        detail=detail or {},
    )


@transaction.atomic
def audit_exported(*, actor: Actor, filters: dict[str, Any]) -> AuditEvent:
    """Exporting the log is itself recorded."""
    return audit_record(
        actor=actor, action="export", object_type="audit_log", detail={"filters": filters}
    )


@transaction.atomic
def audit_viewed(*, actor: Actor, filters: dict[str, Any], page: int) -> AuditEvent:
    """Reading the log is itself recorded (who looked, with which filters)."""
    return audit_record(
        actor=actor,
        action="list",
        object_type="audit_log",
        detail={"filters": filters, "page": page},
    )


@transaction.atomic
def audit_denied(
    *, actor: Actor, status: int, method: str, path: str, target: str | None
) -> AuditEvent:
    """A refused request (403, or 404 for a record the actor may not see or that does not
    exist): repeated ones show someone probing ids. `target` is the UUID asked for."""
    try:
        asked_for = uuid.UUID(str(target)) if target else None
    except ValueError:
        asked_for = None
    return audit_record(
        actor=actor,
        action="denied",
        object_type="request",
        object_id=asked_for,
        detail={"status": status, "method": method, "path": path[:300]},
    )


@transaction.atomic
def audit_verify_run(*, record: bool = True) -> AuditVerification:
    """Verify the hash chain (anchored at the last good verification) and, unless
    `record` is false, keep the result for the admin's audit log page."""
    last_good = AuditVerification.objects.filter(ok=True).order_by("-at", "-id").first()
    anchor = (last_good.head_seq, last_good.head_hash) if last_good and last_good.head_seq else None
    verdict = verify_chain(anchor=anchor)
    result = AuditVerification(
        ok=verdict.ok,
        checked=verdict.checked,
        message=verdict.message[:300],
        first_bad_seq=verdict.first_bad_seq,
        first_bad_id=verdict.first_bad_id or "",
        head_seq=verdict.head_seq,
        head_hash=verdict.head_hash,
    )
    if record:
        result.save()
    return result
