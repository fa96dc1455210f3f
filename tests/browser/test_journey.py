"""The clinic's whole journey in a real browser, one practitioner and one patient:

sign in with a two-factor code → register the patient → open an episode with an
ICD-10-CM code → intake with the pain drawing (mouse and keyboard) and a red flag →
screening, the refer finding acknowledged → a new intake once the GP has seen the
patient → plan generated and approved → session charted and signed → the clinic admin
finds every step in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from acucare.assessments.models import Assessment, FindingAcknowledgement
from acucare.patients.models import Episode, Patient
from acucare.treatment.models import PlanStatus, SessionStatus, TreatmentPlan, TreatmentSession
from tests.browser.conftest import TIMEOUT_MS, csp_violations
from tests.factories import PASSWORD, enrol_totp, make_admin, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_code(page: Any, username: str, code: str) -> None:
    page.goto(f"{page.base_url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Password alone is not enough for an enrolled user: the code page follows.
    field = page.get_by_label("Six-digit code")
    field.wait_for()
    field.fill(code)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("button", name="Sign out").wait_for()


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


def answer_red_flags(page: Any, *, yes: tuple[str, ...] = ()) -> None:
    answers = page.locator('input[type="radio"][name^="rf_"][value="no"]')
    for i in range(answers.count()):
        answers.nth(i).check()
    for flag in yes:
        page.locator(f'input[name="rf_{flag}"][value="yes"]').check()


def fill_intake(page: Any) -> None:
    page.get_by_label("Age (years)").fill("54")
    page.get_by_label("Consent to treatment given by").select_option("patient")


def use_the_pain_drawing(page: Any) -> None:
    """Mark the lower back with the mouse and the left knee with the keyboard; a second
    press takes a mark away again. The drawing ticks the form's own checkboxes."""
    drawing = page.locator(".body-map-drawing")
    expect(drawing).to_be_visible()  # body-map.js revealed it
    lower_back = drawing.locator('[data-site="lower_back"]').first
    lower_back.click()
    expect(lower_back).to_have_attribute("aria-checked", "true")
    expect(page.locator("#pain_sites-lower_back")).to_be_checked()

    left_knee = drawing.locator('[data-site="left_knee"]').first
    left_knee.focus()
    page.keyboard.press("Space")
    expect(left_knee).to_have_attribute("aria-checked", "true")
    expect(page.locator("#pain_sites-left_knee")).to_be_checked()
    page.keyboard.press("Enter")
    expect(left_knee).to_have_attribute("aria-checked", "false")
    expect(page.locator("#pain_sites-left_knee")).not_to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#pain_sites-left_knee")).to_be_checked()
    # Tab moves from one region to the next: every region is reachable by keyboard.
    page.keyboard.press("Tab")
    expect(drawing.locator("[data-site]:focus")).to_have_count(1)


def _matches(row: tuple[str, ...], step: tuple[str, ...]) -> bool:
    """A log row is the step when who, action and record agree and, where the step names
    a detail, the row's detail starts with it."""
    if row[:3] != step[:3]:
        return False
    return len(step) == 3 or row[3].startswith(step[3])


def first_intake_is_referred(page: Any, episode: Episode) -> Assessment:
    """Intake 1: the pain drawing, and a hot swollen joint, which screening refers."""
    page.get_by_role("link", name=re.compile("Start the intake")).click()
    page.get_by_role("heading", name="Intake and safety screening").wait_for()
    fill_intake(page)
    use_the_pain_drawing(page)
    answer_red_flags(page, yes=("hot_swollen_joint",))
    page.get_by_role("button", name="Save and screen").click()
    page.get_by_role("heading", name=re.compile("Safety screening")).wait_for()
    first = Assessment.objects.get(episode=episode)
    assert set(first.intake_document["pain_sites"]) == {"lower_back", "left_knee"}
    assert first.intake_document["red_flags"] == ["hot_swollen_joint"]
    expect(page.get_by_role("alert")).to_contain_text("must be acknowledged")
    return first


def acknowledge_the_finding(page: Any) -> None:
    """The finding is acknowledged with what was done about it."""
    finding = page.locator("#finding-hot_swollen_joint")
    finding.get_by_label(re.compile("What did you do about this finding")).fill(
        "Sent to the GP the same day; septic arthritis excluded."
    )
    finding.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#finding-hot_swollen_joint .acknowledged")).to_contain_text(
        "septic arthritis excluded"
    )
    assert FindingAcknowledgement.objects.get().rule == "hot_swollen_joint"


def second_intake_proceeds(page: Any, episode: Episode, first: Assessment) -> Assessment:
    """Intake 2, after the GP's review: no red flag; screening lets treatment proceed."""
    page.get_by_role("link", name="New intake").click()
    fill_intake(page)
    page.locator("#pain_sites-lower_back").check()
    answer_red_flags(page)
    page.get_by_role("button", name="Save and screen").click()
    page.get_by_role("heading", name=re.compile("Safety screening")).wait_for()
    current = Assessment.objects.get(episode=episode, superseded_at=None)
    assert current != first
    return current


def approve_a_plan(
    page: Any, patient: Patient, episode: Episode, current: Assessment, doc: Any
) -> TreatmentPlan:
    """Plan: generated from the current screening, then approved."""
    page.goto(f"{page.base_url}/patients/{patient.public_id}/")
    page.get_by_role("link", name=re.compile("Plan and sessions")).click()
    page.get_by_role("button", name="Generate a plan from the current assessment").click()
    page.get_by_role("button", name="Approve this plan").click()
    page.get_by_role("link", name="Chart a session").first.wait_for()
    plan = TreatmentPlan.objects.get(episode=episode, status=PlanStatus.APPROVED)
    assert plan.assessment == current
    assert plan.approved_by == doc
    return plan


def chart_and_sign_a_session(page: Any, plan: TreatmentPlan, doc: Any) -> None:
    """Session: the form starts with the plan's points; chart it, then sign it."""
    page.get_by_role("link", name="Chart a session").first.click()
    page.get_by_role("heading", name=re.compile(r"^Chart session 1\b")).wait_for()
    planned = page.locator('[name$="-code"][name^="point-"]').first.input_value()
    assert planned  # the plan's first point is filled in
    page.locator("#id_needles_in").fill("4")
    page.locator("#id_needles_out").fill("4")
    page.locator("#id_pain_before").fill("7")
    page.locator("#id_pain_after").fill("4")
    page.locator("#id_needle_gauge_mm").fill("0.25")
    page.locator("#id_needle_length_mm").fill("40")
    page.locator("#id_needle_material").select_option("stainless_steel")
    page.locator("#id_retention_minutes").fill("20")
    page.get_by_role("button", name="Save session").click()
    page.get_by_text(re.compile(r"Session 1 charted")).wait_for()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator("main")).to_contain_text("Signed", timeout=TIMEOUT_MS)
    session = TreatmentSession.objects.get(plan=plan)
    assert session.status == SessionStatus.SIGNED
    assert session.signed_by == doc


def audit_rows(admin: Any) -> set[tuple[str, str, str, str]]:
    """Who, action, record (its type, without the identifier) and detail of each row."""
    rows = admin.locator("table tbody tr")
    shown = set()
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        who, action, record, detail = (cells.nth(c).inner_text() for c in (1, 2, 3, 6))
        record_id = cells.nth(3).locator("code")
        if record_id.count():
            record = record.removesuffix(record_id.inner_text())
        shown.add((who, action, record.strip(), detail))
    return shown


def admin_finds_every_step(
    chromium: Any, sign_in: Any, base_url: str, screen: dict[str, int], patient: Patient
) -> None:
    """The clinic admin, in a browser of their own, reads the practitioner's trail."""
    admin_context = chromium.new_context(viewport=screen)
    admin_context.set_default_timeout(TIMEOUT_MS)
    admin = admin_context.new_page()
    admin.base_url = base_url
    sign_in(admin, "boss")
    admin.goto(f"{admin.base_url}/admin/audit/?actor=lchen")
    expect(admin.get_by_text("Page 1 of 1")).to_be_visible()  # every row is on this page
    shown = audit_rows(admin)
    # The record column names the record type in the clinic's words, not its identifier;
    # the detail column reads in words too (no `two_factor: True`).
    steps = {
        ("lchen", "Sign in", "User", "two factor: yes"),
        ("lchen", "Create", "Patient"),
        ("lchen", "Create", "Episode"),
        ("lchen", "Create", "Assessment"),
        ("lchen", "Create", "Finding acknowledgement"),
        ("lchen", "Create", "Care plan"),
        ("lchen", "Update", "Care plan", "Approve"),
        ("lchen", "Create", "Session"),
        ("lchen", "Update", "Session", "Sign; "),
    }
    for step in steps:
        assert any(_matches(row, step) for row in shown), (
            step,
            sorted(shown),
        )
    admin.get_by_role("link", name=str(patient.public_id)[:8] + "…").first.click()
    expect(admin).to_have_url(re.compile(f"patient_id={patient.public_id}"))
    admin_context.close()


@pytest.mark.parametrize(
    "screen",
    [{"width": 1366, "height": 900}, {"width": 390, "height": 844}],
    ids=["1366px", "390px"],
)
def test_the_whole_journey_from_sign_in_to_the_audit_log(
    page: Any, sign_in: Any, chromium: Any, screen: dict[str, int]
) -> None:
    page.set_viewport_size(screen)
    doc = make_practitioner(username="lchen", first_name="Li", last_name="Chen")
    totp = enrol_totp(doc)
    make_admin(username="boss")

    sign_in_with_code(page, "lchen", totp.now())
    patient = register_patient(page)
    episode = open_episode(page)
    assert list(episode.conditions.values_list("icd10", "duration_weeks")) == [("M54.50", 30)]

    first = first_intake_is_referred(page, episode)
    acknowledge_the_finding(page)
    current = second_intake_proceeds(page, episode, first)
    plan = approve_a_plan(page, patient, episode, current, doc)
    chart_and_sign_a_session(page, plan, doc)
    assert csp_violations(page) == []

    admin_finds_every_step(chromium, sign_in, page.base_url, screen, patient)
