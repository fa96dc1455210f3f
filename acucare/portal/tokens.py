"""Invitation tokens: made from the invitation's public id with the server's secret key,
stored only as a digest."""

from __future__ import annotations

import hashlib
import uuid

from django.utils.crypto import salted_hmac

_SALT = "acucare.portal.invitation"


def invitation_token(public_id: uuid.UUID) -> str:
    """The token of an invitation's link (256 bits; the same for the same invitation, so
    the e-mail job can rebuild it without the token ever being stored)."""
    return salted_hmac(_SALT, str(public_id), algorithm="sha256").hexdigest()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
