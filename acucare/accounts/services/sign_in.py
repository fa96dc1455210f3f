"""Sign-in bookkeeping: failed, refused and successful sign-ins, and signing out."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from acucare.accounts.models import (
    LoginAttempt,
)
from acucare.accounts.selectors import login_locked_until
from acucare.audit.services import audit_record
from acucare.core.actor import Actor


@transaction.atomic
def login_failed(
    *, username: str, ip_address: str | None, user_agent: str, reason: str
) -> dt.datetime | None:
    """Record a failed password or code; returns the lock time if this one locks."""
    LoginAttempt.objects.create(
        username=username.strip().lower(), ip_address=ip_address, succeeded=False
    )
    locked = login_locked_until(username=username, ip_address=ip_address)
    audit_record(
        actor=None,
        action="login_failed",
        object_type="user",
        username=username[:150],
        ip_address=ip_address,
        detail={"reason": reason, "locked": locked is not None, "user_agent": user_agent[:300]},
    )
    return locked


@transaction.atomic
def login_refused_locked(*, username: str, ip_address: str | None) -> None:
    audit_record(
        actor=None,
        action="login_locked",
        object_type="user",
        username=username[:150],
        ip_address=ip_address,
    )


@transaction.atomic
def login_succeeded(*, actor: Actor, two_factor: bool) -> None:
    LoginAttempt.objects.create(
        username=actor.user.username.lower(), ip_address=actor.ip_address, succeeded=True
    )
    audit_record(
        actor=actor,
        action="login",
        object_type="user",
        object_id=actor.user.public_id,
        detail={"two_factor": two_factor},
    )


@transaction.atomic
def logged_out(*, actor: Actor, reason: str) -> None:
    audit_record(
        actor=actor,
        action="timeout" if reason == "idle" else "logout",
        object_type="user",
        object_id=actor.user.public_id,
    )
