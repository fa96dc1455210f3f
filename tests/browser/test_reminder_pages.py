"""The reminder pages in a browser on a 390 px phone: the patient's setting and the
admin's list, each fitting the screen with no serious or critical axe finding; the
setting works as a plain form (the box unticked, saved, stays unticked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from acucare.reminders.models import Reminder, ReminderKind, ReminderPreference, ReminderStatus
from tests.browser.conftest import serious_violations
from tests.factories import make_admin, make_practitioner
from tests.portal.factories import make_portal_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def overflows(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def test_the_patient_turns_reminders_off_on_a_phone(page: Any, sign_in: Any) -> None:
    patient, user = make_portal_patient(make_practitioner())
    page.set_viewport_size(PHONE)
    sign_in(page, user.username)
    page.goto(f"{page.base_url}/portal/reminders/")
    box = page.get_by_label("Send me e-mail reminders")
    assert box.is_checked()
    assert not overflows(page)
    assert serious_violations(page) == []
    box.uncheck()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("E-mail reminders are off.").wait_for()
    assert not page.get_by_label("Send me e-mail reminders").is_checked()
    assert not ReminderPreference.objects.get(patient=patient).email_reminders


def test_the_admin_list_on_a_phone(page: Any, sign_in: Any) -> None:
    patient, _user = make_portal_patient(make_practitioner())
    for n, (status, error) in enumerate(
        [
            (ReminderStatus.SENT, ""),
            (ReminderStatus.FAILED, "smtplib.SMTPRecipientsRefused"),
        ]
    ):
        Reminder.objects.create(
            key=f"appointment:{patient.public_id}:{n}",
            patient=patient,
            kind=ReminderKind.APPOINTMENT,
            due_at=timezone.now() + dt.timedelta(hours=n + 1),
            subject_id=patient.public_id,
            status=status,
            attempts=1 if status == ReminderStatus.SENT else 5,
            error=error,
            sent_at=timezone.now() if status == ReminderStatus.SENT else None,
        )
    make_admin(username="boss")
    page.set_viewport_size(PHONE)
    sign_in(page, "boss")
    page.goto(f"{page.base_url}/admin/reminders/")
    page.get_by_text("The mail server refused the patient's address").wait_for()
    assert page.get_by_role("cell", name="Sent", exact=True).count() == 1
    assert not overflows(page)
    assert serious_violations(page) == []
