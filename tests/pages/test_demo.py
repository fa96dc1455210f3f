"""`make demo` loads a usable demo clinic, idempotently, with no password in the code."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from acucare.accounts.models import Role, User
from acucare.audit.models import AuditEvent
from acucare.patients.models import Episode, Patient, PatientShare
from tests.clinic_fixtures import fast_password_hashing

__all__ = ["fast_password_hashing"]

pytestmark = pytest.mark.django_db


def load() -> dict[str, str]:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return dict(re.findall(r"^\s+.+?\)\s+(\S+)\s+(\S+)$", out.getvalue(), flags=re.M))


def test_the_demo_clinic_has_staff_and_about_twenty_patients_at_different_stages():
    passwords = load()
    assert set(passwords) == {"admin", "dr.chen", "dr.okafor", "reception"}
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["admin"] == Role.ADMIN
    assert roles["reception"] == Role.RECEPTION
    assert Patient.objects.count() == 20
    assert Patient.objects.filter(episodes__isnull=True).exists()
    assert set(Episode.objects.values_list("status", flat=True)) == {
        "active",
        "on_hold",
        "discharged",
    }
    assert PatientShare.objects.count() == 2
    assert AuditEvent.objects.filter(action="create", object_type="patient").count() == 20


def test_printed_passwords_sign_in_and_a_second_run_adds_nothing():
    first = load()
    events = AuditEvent.objects.count()
    second = load()
    assert Patient.objects.count() == 20
    assert AuditEvent.objects.count() == events
    assert first["dr.chen"] != second["dr.chen"]
    client = Client()
    response = client.post("/sign-in/", {"username": "dr.chen", "password": second["dr.chen"]})
    assert response.status_code == 302
    page = client.get("/patients/").content.decode()
    assert "Chen" in page


def test_no_password_is_written_in_the_demo_code():
    source = (Path(__file__).resolve().parents[2] / "acucare/pages/demo.py").read_text()
    assert "set_password(password)" in source
    assert not re.search(r"password\s*=\s*[\"']", source)


def test_the_demo_books_a_working_week_once():
    from django.utils import timezone

    from acucare.scheduling.models import Appointment

    load()
    booked = Appointment.objects.all()
    assert 15 <= booked.count() <= 40
    assert {a.kind for a in booked} == {"initial_assessment", "treatment", "review"}
    assert all(a.start > timezone.now() and a.start.weekday() < 5 for a in booked)
    assert not booked.filter(patient__episodes__status="discharged").exists()
    events = AuditEvent.objects.count()
    load()
    assert Appointment.objects.count() == booked.count()
    assert AuditEvent.objects.count() == events
