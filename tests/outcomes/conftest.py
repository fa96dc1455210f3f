"""Outcome test fixtures."""

from tests.clinic_fixtures import fast_password_hashing

__all__ = ["fast_password_hashing"]
