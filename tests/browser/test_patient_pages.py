"""The patient pages on a phone-sized screen in Debian's Chromium: registering a patient
after a mistake, the htmx search, a double-clicked episode form, and no
Content-Security-Policy violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from acucare.patients.models import Episode, Patient
from tests.browser.conftest import csp_violations
from tests.factories import enrol_totp, make_patient, make_practitioner, make_reception

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_reception_registers_a_patient_after_correcting_a_mistake(page, sign_in):
    page.set_viewport_size(PHONE)
    doc = make_practitioner(first_name="Li", last_name="Chen")
    make_reception(username="desk")
    sign_in(page, "desk")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Moreno")
    page.get_by_label("Date of birth").fill("2099-01-01")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Primary practitioner").select_option(label="Li Chen")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_date_of_birth_error")
    assert "in the future" in error.inner_text()
    assert Patient.objects.count() == 0
    # The other fields kept what was typed.
    assert page.get_by_label("Given name").input_value() == "Ada"
    page.get_by_label("Date of birth").fill("1971-03-04")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Ada Moreno").wait_for()
    assert Patient.objects.get().primary_practitioner == doc
    assert "Episodes of care" not in page.content()
    assert csp_violations(page) == []


def test_a_practitioner_signs_in_with_a_code_searches_and_opens_an_episode(
    page, sign_in, live_server
):
    page.set_viewport_size(PHONE)
    doc = make_practitioner(username="lchen")
    totp = enrol_totp(doc)
    make_patient(doc, given_name="Chiara", family_name="Costa")
    make_patient(doc, given_name="Dev", family_name="Dalton")
    sign_in(page, "lchen", totp)
    page.get_by_role("heading", name="Patients").wait_for()
    page.get_by_label("Search by name, phone or email").fill("Costa")
    # (wait_for_function would need eval, which the page's CSP rightly forbids)
    expect(page.locator("#patient-results tbody tr")).to_have_count(1)
    assert "Dalton" not in page.locator("#patient-results").inner_text()
    expect(page).to_have_url(re.compile(r"q=Costa"))  # htmx pushed the search into the URL
    page.get_by_role("link", name="Costa, Chiara").click()
    page.get_by_role("link", name="Open an episode").click()
    page.get_by_label("Complaint").fill("Low back pain")
    page.get_by_label("Primary condition (ICD-10-CM)").fill("m5450")
    page.locator("#id_weeks_0").fill("30")
    button = page.get_by_role("button", name="Open episode")
    button.dblclick()  # an impatient double click
    # Which response the browser shows last depends on timing: the first request's
    # "opened" message, the second's "already sent; opened once", or, when both arrive
    # at the same moment, a plain refusal. Whatever it shows, one episode exists.
    outcome = re.compile(
        r"Episode “Low back pain” opened\.|the episode was opened once"
        r"|sent twice at the same moment"
    )
    page.get_by_text(outcome).first.wait_for()
    assert Episode.objects.count() == 1
    page.goto(f"{live_server.url}/patients/{Episode.objects.get().patient.public_id}/")
    expect(page.get_by_text("M54.50").first).to_be_visible()
    assert csp_violations(page) == []
