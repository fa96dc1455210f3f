"""Two desks booking one practitioner, or one patient, at the same moment: one wins."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from acucare.domain.errors import InputError
from acucare.scheduling import services
from acucare.scheduling.models import Appointment
from tests.factories import actor, make_patient, make_practitioner, make_reception, share

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("same", ["practitioner", "patient"])
def test_racing_bookings_do_not_both_succeed(same):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    doc = make_practitioner()
    if same == "practitioner":
        doctors = [doc, doc]
        patients = [make_patient(doc), make_patient(doc)]
    else:
        colleague = make_practitioner()
        patient = make_patient(doc)
        share(patient, colleague)
        doctors, patients = [doc, colleague], [patient, patient]
    desks = [actor(make_reception()), actor(make_reception())]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=timezone.get_current_timezone())
    sessions_before = _other_sessions()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.appointment_book(
                actor=desks[index],
                patient_id=patients[index].public_id,
                booking=services.Booking(doctors[index].public_id, start, 45, "treatment"),
            )
            outcomes.append("booked")
        except InputError as error:
            outcomes.append(error.field)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The threads' sessions end asynchronously on the server; wait for them so that the
    # test database can be dropped at the end of the run.
    deadline = time.monotonic() + 10
    while _other_sessions() > sessions_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(outcomes) == ["booked", "start"]
    assert Appointment.objects.count() == 1


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])
