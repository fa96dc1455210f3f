"""Reminders end to end on the database job queue: the scan finds what is due, claims
each reminder once under its key, the worker sends it through Django's SMTP backend to a
real SMTP server, and a failed sending is tried again with a growing delay."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from acucare.audit.models import AuditEvent
from acucare.jobs import framework
from acucare.jobs.models import JobRun, RunStatus
from acucare.reminders.emails import REMINDER_ATTEMPTS, send_reminder
from acucare.reminders.models import Reminder, ReminderKind, ReminderPreference, ReminderStatus
from acucare.scheduling.models import Appointment, AppointmentStatus
from tests.factories import make_admin, make_appointment, make_practitioner, signed_in
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.reminders.conftest import SITE

pytestmark = pytest.mark.django_db(transaction=True)


def scan(*flags: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("reminders_scan", *flags, stdout=out)
    return out.getvalue()


def work() -> None:
    call_command("worker", burst=True)


def test_due_reminders_are_sent_once_through_smtp(smtp, clinic, caplog):
    assert scan() == "Due now: 1 coming appointment, 1 questionnaires to fill in.\n"
    assert not Reminder.objects.exists()  # listing claims nothing
    with caplog.at_level(logging.INFO):
        assert "Queued: 1 coming appointment, 1 questionnaires to fill in" in scan("--enqueue")
        assert Reminder.objects.filter(status=ReminderStatus.CLAIMED).count() == 2
        assert smtp.mailbox.messages == []  # the worker sends, not the scan
        work()
    local = timezone.localtime(Appointment.objects.get().start)
    appointment, questionnaire = sorted(m["Subject"] for m in smtp.mailbox.messages)
    assert (
        appointment
        == f"Reminder: your appointment on {local:%A} {local.day} {local:%B} at {local:%H:%M}"
    )
    assert questionnaire == "You have questionnaires to fill in"
    for message in smtp.mailbox.messages:
        assert message["To"] == "marisol@example.org"
        assert message["From"] == "Harbour Clinic <desk@clinic.example.org>"
    for body in smtp.mailbox.bodies():
        assert f"{SITE}/portal/" in body
        assert "Hello Marisol" in body
        # Nothing beyond what the reminder needs: no condition, no surname, no birth date.
        for private in ("neck", "Quenby", "M54", str(clinic.patient.date_of_birth)):
            assert private not in body
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    assert all(r.sent_at and r.attempts == 1 for r in Reminder.objects.all())
    # No patient data in the logs of the scan or the worker.
    # (The test's own SMTP server logs the addresses it receives: it is not ours.)
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    for private in ("Marisol", "Quenby", "marisol@example.org", "neck"):
        assert private not in logged
    assert "reminder sent" in logged
    # The next scan finds nothing new, and the worker sends nothing more.
    assert scan("--enqueue") == "Due now: none.\nQueued: none (the worker sends them).\n"
    work()
    assert len(smtp.mailbox.messages) == 2
    assert AuditEvent.objects.filter(object_type="reminder", action="create").count() == 2


def test_a_claimed_key_is_never_claimed_again(smtp, clinic):
    from acucare.reminders.selectors import reminders_due
    from acucare.reminders.services import reminders_claim

    due = reminders_due(now=timezone.now())
    first = reminders_claim(due=due)
    # A second scan racing the first sees the same items and claims none of them.
    assert reminders_claim(due=due) == []
    assert len(first) == 2
    assert JobRun.objects.filter(key__startswith="reminder:").count() == 2
    work()
    assert len(smtp.mailbox.messages) == 2


def test_a_failed_sending_is_tried_again_later_then_succeeds(smtp, clinic):
    smtp.stop()  # the mail server is down
    scan("--enqueue")
    work()
    for reminder in Reminder.objects.all():
        assert (reminder.status, reminder.attempts) == (ReminderStatus.RETRYING, 1)
        assert reminder.error == "builtins.ConnectionRefusedError"
    runs = JobRun.objects.filter(key__startswith="reminder:")
    assert {r.status for r in runs} == {RunStatus.RETRYING}
    # The retry waits a minute (doubling after each failure); the worker leaves it.
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() == 2
    for task in waiting:
        delay = (task.run_after - timezone.now()).total_seconds()
        assert 50 < delay <= 60
    work()
    assert Reminder.objects.filter(attempts=1).count() == 2
    # A minute later the server is back.
    smtp.start()
    waiting.update(run_after=timezone.now())
    work()
    assert set(Reminder.objects.values_list("status", "attempts")) == {(ReminderStatus.SENT, 2)}
    assert len(smtp.mailbox.messages) == 2
    assert {r.status for r in runs.all()} == {RunStatus.SUCCEEDED}


def test_a_sending_that_keeps_failing_stops_and_shows_on_the_admin_page(smtp, clinic, monkeypatch):
    # No waiting between attempts in this test (the delays are checked above).
    options = framework.JobOptions(REMINDER_ATTEMPTS, 0.0)
    monkeypatch.setitem(framework._OPTIONS, send_reminder.module_path, options)
    smtp.stop()
    scan("--enqueue")
    work()
    assert set(Reminder.objects.values_list("status", "attempts")) == {
        (ReminderStatus.FAILED, REMINDER_ATTEMPTS)
    }
    assert smtp.mailbox.messages == []
    page = signed_in(make_admin()).get("/admin/reminders/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("The mail server could not be reached") == 2
    assert "ConnectionRefusedError" not in html
    assert "Marisol" not in html
    assert AuditEvent.objects.filter(action="list", object_type="reminder").exists()
    # Staff other than the admin cannot open it.
    assert signed_in(make_practitioner()).get("/admin/reminders/").status_code == 403


def test_a_patient_who_turns_reminders_off_gets_none(smtp, clinic):
    phone = signed_in(clinic.user)
    page = phone.get("/portal/reminders/")
    assert page.status_code == 200
    assert "checked" in page.content.decode()
    assert phone.post("/portal/reminders/", {}).status_code == 302
    assert not ReminderPreference.objects.get(patient=clinic.patient).email_reminders
    event = AuditEvent.objects.get(object_type="reminder_preference", action="update")
    assert (event.actor, event.patient_id) == (clinic.user, clinic.patient.public_id)
    assert scan("--enqueue").startswith("Due now: none.")
    work()
    assert smtp.mailbox.messages == []
    # Turned on again, they come.
    phone.post("/portal/reminders/", {"email_reminders": "on"})
    scan("--enqueue")
    work()
    assert len(smtp.mailbox.messages) == 2


def test_what_changed_after_the_claim_is_not_sent(smtp, clinic):
    scan("--enqueue")
    # Before the worker runs: the appointment is cancelled and reminders turned off.
    Appointment.objects.update(status=AppointmentStatus.CANCELLED)
    work()
    appointment = Reminder.objects.get(kind=ReminderKind.APPOINTMENT)
    assert appointment.status == ReminderStatus.CANCELLED
    assert [m["Subject"] for m in smtp.mailbox.messages] == ["You have questionnaires to fill in"]
    # A moved appointment is a new one to remind of.
    later = timezone.now() + dt.timedelta(hours=5)
    Appointment.objects.update(
        status=AppointmentStatus.BOOKED, start=later, end=later + dt.timedelta(minutes=45)
    )
    assert scan("--enqueue").startswith("Due now: 1 coming appointment.")
    work()
    assert len(smtp.mailbox.messages) == 2


def test_only_patients_with_a_portal_account_an_address_and_a_near_appointment(smtp, clinic):
    practitioner = make_practitioner()
    # An appointment next week is not due yet; a patient without a portal account and
    # an inactive account get nothing.
    far, _user = make_portal_patient(practitioner)
    make_appointment(far, start=timezone.now() + dt.timedelta(days=7))
    from tests.factories import make_patient

    make_appointment(make_patient(practitioner, email="no.portal@example.org"))
    off, off_user = make_portal_patient(practitioner)
    make_appointment(off, start=timezone.now() + dt.timedelta(hours=2))
    off_user.is_active = False
    off_user.save()
    assert scan() == "Due now: 1 coming appointment, 1 questionnaires to fill in.\n"


def test_the_scan_refuses_without_the_site_address(settings, clinic):
    settings.ACUCARE_SITE_URL = ""
    with pytest.raises(CommandError, match="ACUCARE_SITE_URL"):
        scan("--enqueue")
    assert not Reminder.objects.exists()


def test_a_staff_member_cannot_use_the_patients_reminder_page(clinic):
    assert signed_in(clinic.practitioner).get("/portal/reminders/").status_code == 403
    assert Client().get("/portal/reminders/").status_code == 302


def _before_session_patient(clinic, name: str):
    """A portal patient whose session 1 is charted, with session 2 booked in 3 hours:
    the schedule's before-session pain rating is due for that appointment."""
    patient, user = make_portal_patient(
        clinic.practitioner, given_name=name, email=f"{name.lower()}@example.org"
    )
    first = make_signed_session(patient, date=timezone.localdate() - dt.timedelta(days=7))
    appointment = make_appointment(patient, start=timezone.now() + dt.timedelta(hours=3))
    key = (
        f"questionnaire:{patient.public_id}:{first.plan.episode.public_id}:session:"
        f"appointment-{appointment.public_id}"
    )
    return user, first, key


def _to(smtp, address: str) -> list[str]:
    return [m["Subject"] for m in smtp.mailbox.messages if m["To"] == address]


def test_the_before_session_questionnaire_is_reminded_once_per_appointment(smtp, clinic):
    _user, _first, key = _before_session_patient(clinic, "Ada")
    scan("--enqueue")
    assert Reminder.objects.filter(key=key, kind=ReminderKind.QUESTIONNAIRE).count() == 1
    work()
    sent = _to(smtp, "ada@example.org")
    assert sent.count("You have questionnaires to fill in") == 1
    assert len(sent) == 2  # and the appointment's own reminder
    before = Reminder.objects.count()
    assert scan("--enqueue") == "Due now: none.\nQueued: none (the worker sends them).\n"
    work()
    assert Reminder.objects.count() == before
    assert len(_to(smtp, "ada@example.org")) == 2


def test_a_before_session_questionnaire_answered_after_the_claim_is_not_sent(smtp, clinic):
    user, first, key = _before_session_patient(clinic, "Bea")
    scan("--enqueue")
    assert Reminder.objects.filter(key=key).exists()
    answered = signed_in(user).post(
        f"/portal/questionnaires/{first.plan.episode.public_id}/session/",
        {"submission": str(uuid.uuid4()), "q_nrs_1": "5"},
    )
    assert answered.status_code == 302
    work()
    sent = _to(smtp, "bea@example.org")
    assert len(sent) == 1
    assert sent[0].startswith("Reminder: your appointment")
