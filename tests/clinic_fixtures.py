"""Fixtures shared by the clinic app tests (accounts, audit, patients, api).

Each of those test packages imports this module from its conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    `tests/accounts/test_passwords.py` checks that production settings use Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
