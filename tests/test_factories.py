"""The shared factories stay valid however many records one process makes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_patient, make_user


@pytest.mark.django_db
def test_patients_are_never_born_in_the_future() -> None:
    practitioner = make_user(role="practitioner")
    today = dt.date.today()
    for _ in range(450):
        patient = make_patient(practitioner)
        assert patient.date_of_birth < today
