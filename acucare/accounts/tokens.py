"""Personal access tokens: their form, their digest, and authenticating with one."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from acucare.accounts.models import ApiToken, User

PREFIX = "acu_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Tokens are 256-bit random values, so a plain SHA-256 is a sound one-way digest."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(token: str) -> User | None:
    """The active owner of an unrevoked token. Records the time of use (at most once a
    minute, to spare the database); that bookkeeping is not audited."""
    if not token.startswith(PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("owner")
        .filter(digest=digest(token), revoked_at=None, owner__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.owner
