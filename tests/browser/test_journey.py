"""The clinic's main journey in a real browser: a practitioner signs in with a two-factor
code, registers a patient and opens an episode with an ICD-10-CM code; the clinic admin
then finds each of those steps in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from acucare.audit.models import AuditEvent
from acucare.patients.models import Episode, Patient
from tests.browser.conftest import csp_violations
from tests.factories import PASSWORD, enrol_totp, make_admin, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def register_patient(page: Any) -> Patient:
    page.goto(f"{page.base_url}/patients/")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Moreno")
    page.get_by_label("Date of birth").fill("1971-03-04")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Ada Moreno", level=1).wait_for()
    return Patient.objects.get(given_name="Ada", family_name="Moreno")


def open_episode(page: Any) -> Episode:
    page.get_by_role("link", name="Open an episode").click()
    page.get_by_label("Complaint").fill("Chronic low back pain")
    page.get_by_label("Primary condition (ICD-10-CM)").fill("m5450")
    page.locator("#id_weeks_0").fill("30")
    page.get_by_role("button", name="Open episode").click()
    page.get_by_text("Episode “Chronic low back pain” opened.").wait_for()
    expect(page.locator("article.episode")).to_contain_text("M54.50")
    return Episode.objects.get(complaint="Chronic low back pain")


def test_a_practitioner_signs_in_with_a_code_and_charts_and_the_admin_audits_it(
    page: Any, sign_in: Any, chromium: Any
) -> None:
    doc = make_practitioner(username="lchen", first_name="Li", last_name="Chen")
    totp = enrol_totp(doc)
    make_admin(username="boss")

    # Password alone is not enough for an enrolled user: the code page follows.
    page.goto(f"{page.base_url}/sign-in/")
    page.get_by_label("Username").fill("lchen")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = page.get_by_label("Six-digit code")
    code.wait_for()
    code.fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("button", name="Sign out").wait_for()

    patient = register_patient(page)
    episode = open_episode(page)
    assert episode.patient == patient
    assert list(episode.conditions.values_list("icd10", "duration_weeks")) == [("M54.50", 30)]
    assert csp_violations(page) == []

    # The admin, in a browser of their own, reads the log for that patient.
    admin_context = chromium.new_context()
    admin_context.set_default_timeout(15_000)
    admin = admin_context.new_page()
    admin.base_url = page.base_url
    sign_in(admin, "boss")
    admin.goto(f"{admin.base_url}/admin/audit/")
    admin.get_by_label("Username").fill("lchen")
    admin.get_by_role("button", name="Filter").click()
    expect(admin).to_have_url(re.compile(r"actor=lchen"))
    rows = admin.locator("table tbody tr")
    log = [
        tuple(cells)
        for cells in (
            [rows.nth(i).locator("td").nth(c).inner_text() for c in (1, 2, 3)]
            for i in range(rows.count())
        )
    ]
    logged = {(who, action, record.split()[0]) for who, action, record in log}
    assert {
        ("lchen", "Sign in", "user"),
        ("lchen", "Create", "patient"),
        ("lchen", "Read", "patient"),
        ("lchen", "Create", "episode"),
    } <= logged, log
    # Every patient-data row names the patient by public id, never by integer key.
    patient_rows = AuditEvent.objects.filter(
        actor=doc, object_type__in=["patient", "episode"], action__in=["create", "read"]
    )
    assert {str(e.patient_id) for e in patient_rows} == {str(patient.public_id)}
    admin.get_by_role("link", name=str(patient.public_id)[:8] + "…").first.click()
    expect(admin).to_have_url(re.compile(f"patient_id={patient.public_id}"))
    expect(admin.locator("table tbody")).to_contain_text("episode")
    admin_context.close()
