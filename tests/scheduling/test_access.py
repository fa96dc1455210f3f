"""Who sees which appointment, beyond the matrix's one-patient world."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from acucare.patients.models import PatientShare
from acucare.scheduling.access import access_appointment, visible_appointments
from tests.factories import (
    actor,
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    share,
)

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_each_role_sees_its_appointments():
    chen, okafor = make_practitioner(), make_practitioner()
    hers, his = make_patient(chen), make_patient(okafor)
    share(his, chen)
    a = make_appointment(hers, chen, start=tomorrow_at(9))
    b = make_appointment(his, okafor, start=tomorrow_at(10))
    c = make_appointment(make_patient(okafor), okafor, start=tomorrow_at(11))
    assert set(visible_appointments(actor(chen))) == {a, b}
    assert set(visible_appointments(actor(okafor))) == {b, c}
    assert set(visible_appointments(actor(make_reception()))) == {a, b, c}
    with pytest.raises(PermissionDenied):
        visible_appointments(actor(make_admin()))
    with pytest.raises(Http404):
        access_appointment(actor(chen), c.public_id, write=False)
    with pytest.raises(Http404):
        access_appointment(actor(chen), "not-a-uuid", write=False)


def test_a_practitioner_keeps_seeing_appointments_booked_with_them_after_an_unshare():
    chen, okafor = make_practitioner(), make_practitioner()
    patient = make_patient(okafor)
    share(patient, chen)
    booked = make_appointment(patient, chen, start=tomorrow_at(9))
    PatientShare.objects.filter(patient=patient, practitioner=chen).delete()
    assert access_appointment(actor(chen), booked.public_id, write=False) == booked
