"""Clinic workflow fixtures (issue 15: a day in the clinic without dead ends)."""

from tests.clinic_fixtures import fast_password_hashing

__all__ = ["fast_password_hashing"]
