"""Sign-in bookkeeping: failed, refused and successful sign-ins, and signing out.

Every password or code is counted BEFORE it is checked (`login_attempt_start`): under a
lock, the lock-out is checked and the attempt recorded as a failure in one transaction,
so however many requests race, no more than the limit are ever checked (issue 14: 40
simultaneous sign-ins all had their passwords tested). A correct password or code then
turns its attempt into a success (`login_succeeded`) or withdraws it (`login_attempt_passed`,
a password that still needs its second factor).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

from acucare.accounts.models import (
    LoginAttempt,
)
from acucare.accounts.selectors import login_locked_until
from acucare.audit.services import audit_record
from acucare.core.actor import Actor

# An arbitrary constant: the PostgreSQL advisory lock that serialises attempt counting.
_SIGN_IN_LOCK = 0x61637563


@dataclass(frozen=True)
class SignInAttempt:
    """A counted attempt (`attempt_id`), or a refusal (`locked_until`)."""

    attempt_id: int | None
    locked_until: dt.datetime | None


@transaction.atomic
def login_attempt_start(*, username: str, ip_address: str | None) -> SignInAttempt:
    """Count one password or code attempt before it is checked, or refuse it while the
    username and address are locked (audited as a locked sign-in)."""
    if connection.vendor == "postgresql":
        # One short critical section for all sign-ins; SQLite's transactions here are
        # IMMEDIATE and already hold its single write lock.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SIGN_IN_LOCK])
    locked = login_locked_until(username=username, ip_address=ip_address)
    if locked is not None:
        audit_record(
            actor=None,
            action="login_locked",
            object_type="user",
            username=username[:150],
            ip_address=ip_address,
        )
        return SignInAttempt(None, locked)
    attempt = LoginAttempt.objects.create(
        username=username.strip().lower(), ip_address=ip_address, succeeded=False
    )
    return SignInAttempt(attempt.pk, None)


@transaction.atomic
def login_attempt_passed(*, attempt_id: int | None) -> None:
    """A correct password that still needs its second factor: the attempt no longer
    counts as a failure (the code is counted as an attempt of its own)."""
    if attempt_id is not None:
        LoginAttempt.objects.filter(pk=attempt_id).delete()


@transaction.atomic
def login_failed(
    *,
    username: str,
    ip_address: str | None,
    user_agent: str,
    reason: str,
    attempt_id: int | None = None,
) -> dt.datetime | None:
    """Record a failed password or code (already counted when `attempt_id` is given);
    returns the lock time if this one locks."""
    if attempt_id is None:
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
def login_succeeded(*, actor: Actor, two_factor: bool, attempt_id: int | None = None) -> None:
    """The counted attempt becomes the success (or a success row is added)."""
    if attempt_id is None or not LoginAttempt.objects.filter(pk=attempt_id).update(succeeded=True):
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
