"""Who sees which appointment, beyond the matrix's one-patient world."""

from __future__ import annotations

import datetime as dt
import re

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
    signed_in,
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


def test_access_appointment_agrees_with_visible_appointments_for_every_role():
    """`access_appointment` asks of one appointment the rule `visible_appointments` applies
    to the query (own appointment, or a patient the practitioner may see): the two must
    never disagree."""
    chen, okafor, reception = make_practitioner(), make_practitioner(), make_reception()
    hers, his, unshared = make_patient(chen), make_patient(okafor), make_patient(okafor)
    share(his, chen)
    appointments = [
        make_appointment(hers, chen, start=tomorrow_at(9)),
        make_appointment(his, okafor, start=tomorrow_at(10)),
        make_appointment(unshared, okafor, start=tomorrow_at(11)),
        make_appointment(unshared, chen, start=tomorrow_at(12)),  # hers to see, not the patient
    ]
    expected = {"chen": {0, 1, 3}, "okafor": {1, 2, 3}, "reception": {0, 1, 2, 3}}
    for name, user in (("chen", chen), ("okafor", okafor), ("reception", reception)):
        reached = set()
        for index, appointment in enumerate(appointments):
            try:
                found = access_appointment(actor(user), appointment.public_id, write=False)
            except Http404:
                continue
            assert found == appointment
            reached.add(index)
        visible = {appointments.index(a) for a in visible_appointments(actor(user))}
        assert reached == visible == expected[name], name
    with pytest.raises(PermissionDenied):
        access_appointment(actor(make_admin()), appointments[0].public_id, write=False)


def test_a_practitioner_keeps_seeing_appointments_booked_with_them_after_an_unshare():
    chen, okafor = make_practitioner(), make_practitioner()
    patient = make_patient(okafor)
    share(patient, chen)
    booked = make_appointment(patient, chen, start=tomorrow_at(9))
    PatientShare.objects.filter(patient=patient, practitioner=chen).delete()
    assert access_appointment(actor(chen), booked.public_id, write=False) == booked


def test_the_chart_shows_each_role_what_the_appointment_access_filter_gives():
    """The chart's appointments section reads the patient's appointments without applying
    `visible_appointments` again (docs/clinic-app.md, "Appointments"); for every role that
    reaches the chart it must be exactly what that filter keeps for the patient: all of
    them, booked with anyone, in any status. Anyone else gets no chart."""
    chen, okafor, former = make_practitioner(), make_practitioner(), make_practitioner()
    stranger, reception = make_practitioner(), make_reception()
    patient = make_patient(okafor)
    share(patient, chen)
    share(patient, former)
    now = timezone.now()
    booked = [
        make_appointment(patient, okafor, start=tomorrow_at(9)),
        make_appointment(patient, chen, start=tomorrow_at(11), status="cancelled"),
        make_appointment(patient, former, start=now - dt.timedelta(days=3)),
        make_appointment(patient, okafor, start=now - dt.timedelta(days=2), status="completed"),
        make_appointment(patient, chen, start=now - dt.timedelta(days=1), status="did_not_attend"),
    ]
    # An appointment booked with the stranger (who may not see the patient) and the
    # former colleague's share taken away after theirs was booked.
    booked.append(make_appointment(patient, stranger, start=now - dt.timedelta(days=5)))
    PatientShare.objects.filter(patient=patient, practitioner=former).delete()
    make_appointment(make_patient(chen), chen, start=tomorrow_at(14))  # another patient's
    expected = {str(a.public_id) for a in booked}
    for user in (okafor, chen, reception):
        filtered = visible_appointments(actor(user)).filter(patient=patient)
        assert {str(a.public_id) for a in filtered} == expected
        html = signed_in(user).get(f"/patients/{patient.public_id}/").content.decode()
        shown = set(re.findall(r'href="/appointments/([0-9a-f-]{36})/"', html))
        assert shown == expected, user.role
    for user, status in ((stranger, 404), (former, 404), (make_admin(), 403)):
        assert signed_in(user).get(f"/patients/{patient.public_id}/").status_code == status
