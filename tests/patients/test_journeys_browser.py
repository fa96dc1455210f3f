"""Journeys through the pages in Debian's Chromium (Playwright): sign-in with a
two-factor code, registering a patient with a mistake, opening an episode, the htmx
search, no Content-Security-Policy violations, and an axe accessibility check."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import expect

from acucare.patients.models import Episode, Patient
from tests.factories import (
    PASSWORD,
    enrol_totp,
    make_admin,
    make_patient,
    make_practitioner,
    make_reception,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium")


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make browser-deps)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # (factories, assertions) are still synchronous, so Django's async guard is lifted.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.problems = problems  # type: ignore[attr-defined]
        yield page
        browser.close()


def sign_in(page, base: str, username: str, totp: pyotp.TOTP | None = None) -> None:
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp is not None:
        page.get_by_label("Six-digit code").fill(totp.now())
        page.get_by_role("button", name="Verify").click()


def csp_violations(page) -> list[str]:
    return [p for p in page.problems if "Content Security Policy" in p]


def test_reception_registers_a_patient_after_correcting_a_mistake(live_server, browser_page):
    page = browser_page
    doc = make_practitioner(first_name="Li", last_name="Chen")
    make_reception(username="desk")
    sign_in(page, live_server.url, "desk")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Moreno")
    page.get_by_label("Date of birth").fill("2999-01-01")
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
    live_server, browser_page
):
    page = browser_page
    doc = make_practitioner(username="lchen")
    totp = enrol_totp(doc)
    make_patient(doc, given_name="Chiara", family_name="Costa")
    make_patient(doc, given_name="Dev", family_name="Dalton")
    sign_in(page, live_server.url, "lchen", totp)
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
    page.get_by_text("Episode “Low back pain” opened.").wait_for()
    assert "M54.50" in page.content()
    assert Episode.objects.count() == 1
    assert csp_violations(page) == []


def serious_violations(page) -> list[tuple[str, str]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["help"])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_key_pages_have_no_serious_accessibility_violations(live_server, browser_page):
    page = browser_page
    doc = make_practitioner(username="lchen")
    make_reception(username="desk")
    make_admin(username="boss")
    patient = make_patient(doc)
    found: dict[str, list[tuple[str, str]]] = {}
    page.goto(f"{live_server.url}/sign-in/")
    found["/sign-in/"] = serious_violations(page)
    pages = {
        "lchen": [
            "/patients/",
            f"/patients/{patient.public_id}/",
            "/patients/new/",
            f"/patients/{patient.public_id}/episodes/new/",
            "/patients/conditions/?q=knee",
            "/account/credentials/",
            "/account/two-factor/",
            "/account/tokens/",
        ],
        "desk": [f"/patients/{patient.public_id}/edit/"],
        "boss": ["/admin/users/", "/admin/users/new/", "/admin/clinic/", "/admin/audit/"],
    }
    for username, paths in pages.items():
        page.context.clear_cookies()
        sign_in(page, live_server.url, username)
        for path in paths:
            page.goto(live_server.url + path)
            found[path] = serious_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
