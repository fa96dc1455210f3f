"""Two-factor sign-in (TOTP): enrol, verify a code, and the admin's reset for a lost phone."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from acucare.accounts import totp
from acucare.accounts.models import (
    User,
)
from acucare.accounts.services._shared import touch, user_by_id
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError


def _store_two_factor(
    user: User,
    *,
    actor: Actor,
    secret: str,
    confirmed_at: dt.datetime | None,
    step: int | None,
    change: str,
) -> None:
    """Set (or clear) a user's TOTP enrolment and audit the change once."""
    user.totp_secret = secret
    user.totp_confirmed_at = confirmed_at
    user.totp_last_step = step
    touch(user, actor)
    user.save(
        update_fields=[
            "totp_secret",
            "totp_confirmed_at",
            "totp_last_step",
            "updated_at",
            "updated_by",
        ]
    )
    audit_record(
        actor=actor,
        action="two_factor",
        object_type="user",
        object_id=user.public_id,
        detail={"change": change},
    )


@transaction.atomic
def user_reset_two_factor(*, actor: Actor, user_id: uuid.UUID | str) -> User:
    """For a lost phone: the user enrols again at their next sign-in."""
    require_admin(actor)
    user = user_by_id(user_id)
    _store_two_factor(
        user, actor=actor, secret="", confirmed_at=None, step=None, change="reset by admin"
    )
    return user


@transaction.atomic
def totp_enrol(*, actor: Actor, secret: str, code: str) -> User:
    """Confirm enrolment with a code from the authenticator app."""
    step = totp.matching_step(secret, code, after=None)
    if step is None:
        raise InputError(
            "code",
            "That code does not match. Check the time on your phone and try the current code.",
        )
    user = get_user_model().objects.select_for_update().get(pk=actor.user.pk)
    _store_two_factor(
        user, actor=actor, secret=secret, confirmed_at=timezone.now(), step=step, change="enrolled"
    )
    return user


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a sign-in code and consume its time-step so it cannot be replayed.
    (No audit row of its own: the sign-in that follows, or the failure, records it.)"""
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    step = totp.matching_step(locked.totp_secret, code, after=locked.totp_last_step)
    if step is None:
        return False
    locked.totp_last_step = step
    locked.save(update_fields=["totp_last_step"])
    return True
