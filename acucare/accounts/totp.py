"""Time-based one-time passwords (RFC 6238: 30-second steps, six digits) with pyotp."""

from __future__ import annotations

import secrets

import pyotp
from django.utils import timezone

ISSUER = "acucare"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, username: str, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time-step whose code matches (allowing one step of clock drift either way),
    provided it is later than `after`, the last step already used."""
    code = code.strip().replace(" ", "")
    # ASCII digits only: "١٢٣٤٥٦" is digits to str.isdigit but not to compare_digest,
    # which raised a TypeError (a server error, issue 14).
    if not (code.isascii() and code.isdigit()) or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(timezone.now())
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None
