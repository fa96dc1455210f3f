"""acucare.accounts.selectors.active_practitioners: the one definition of whom a patient
may be given to, shared with or booked with."""

from __future__ import annotations

import pytest

from acucare.accounts.selectors import active_practitioners
from tests.factories import make_admin, make_practitioner, make_reception

pytestmark = pytest.mark.django_db


def test_only_active_practitioners() -> None:
    chosen = make_practitioner(username="chosen")
    left = make_practitioner(username="left")
    left.is_active = False
    left.save(update_fields=["is_active"])
    make_reception(username="desk")
    make_admin(username="boss")

    assert list(active_practitioners()) == [chosen]
