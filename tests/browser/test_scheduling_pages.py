"""Reception's day in Chromium (Playwright): book with a mistake corrected, move through
the diary with htmx and with the keyboard, record an arrival; no CSP violations, and
no serious accessibility findings on the diary and the booking form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from acucare.scheduling.models import Appointment
from tests.browser.conftest import DESKTOP, SCREENS, csp_violations, serious_violations
from tests.factories import make_appointment, make_patient, make_practitioner, make_reception

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@SCREENS
def test_reception_books_moves_through_the_diary_and_records_an_arrival(page, sign_in, screen):
    page.set_viewport_size(screen)
    doc = make_practitioner(first_name="Li", last_name="Chen")
    patient = make_patient(doc, given_name="Ada", family_name="Moreno")
    make_reception(username="desk")
    waiting = make_appointment(
        make_patient(doc, given_name="Ben", family_name="Okoro"), doc, start=timezone.now()
    )
    sign_in(page, "desk")
    page.goto(f"{page.base_url}/patients/{patient.public_id}/")
    page.get_by_role("link", name="Book an appointment").click()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Length (minutes)").fill("14")
    page.get_by_label("Booking note (no clinical details)").fill("Bringing an interpreter")
    page.get_by_role("button", name="Book").click()
    assert "15" in page.locator("#id_duration_minutes_error").inner_text()
    assert not Appointment.objects.filter(patient=patient).exists()
    assert page.get_by_label("Booking note (no clinical details)").input_value() == (
        "Bringing an interpreter"
    )
    assert serious_violations(page) == []
    page.get_by_label("Length (minutes)").fill("45")
    page.get_by_role("button", name="Book").click()
    page.wait_for_url("**/appointments/?date=*")
    booked = Appointment.objects.get(patient=patient)
    assert booked.note == "Bringing an interpreter"
    assert page.get_by_text("Ada Moreno").count() >= 1

    # Back to today with the keyboard; htmx swaps the diary and updates the address.
    page.get_by_role("link", name="Today").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**date={timezone.localdate().isoformat()}*")
    assert page.get_by_role("link", name="Ben Okoro", exact=True).count() == 1
    # The time grid on a desk's screen; on a phone the list of the day, and no sideways scroll.
    grid = page.locator("table.time-grid")
    assert grid.is_visible() == (screen is DESKTOP)
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["width"]
    assert serious_violations(page) == []
    page.get_by_role("button", name="Arrived — Ben Okoro").click()
    page.get_by_text("Ben Okoro: arrived.").wait_for()
    waiting.refresh_from_db()
    assert waiting.status == "arrived"
    assert csp_violations(page) == []
