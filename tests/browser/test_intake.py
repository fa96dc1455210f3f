"""The intake in a real browser (Debian's Chromium through Playwright): the pain drawing
toggles its checkboxes by mouse and keyboard, questionnaires score live through htmx,
saving screens, no Content-Security-Policy violations, no serious axe findings; on a
desktop and on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from acucare.assessments.models import Assessment
from tests.browser.conftest import SCREENS, csp_violations, serious_violations
from tests.factories import make_episode, make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@SCREENS
def test_a_practitioner_takes_an_intake_with_the_pain_drawing(page, sign_in, screen):
    page.set_viewport_size(screen)
    doc = make_practitioner(username="lchen")
    # A fixed date of birth: the factory's default drifts with the number of patients made.
    episode = make_episode(make_patient(doc, date_of_birth=dt.date(1970, 5, 1)), "M54.50")
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/assessments/episodes/{episode.public_id}/intake/")

    knee = page.get_by_role("checkbox", name="Left knee (front)")
    expect(knee).to_be_visible()  # the drawing is shown once the script runs
    knee.click()
    expect(knee).to_have_attribute("aria-checked", "true")
    expect(page.locator("#pain_sites-left_knee")).to_be_checked()
    # the same site on the other view follows
    expect(page.get_by_role("checkbox", name="Left knee (back)")).to_have_attribute(
        "aria-checked", "true"
    )
    lower_back = page.get_by_role("checkbox", name="Lower back (back)")
    lower_back.focus()
    page.keyboard.press("Space")
    expect(page.locator("#pain_sites-lower_back")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#pain_sites-lower_back")).not_to_be_checked()
    page.keyboard.press("Enter")
    # unticking the checkbox updates the drawing
    page.locator("#pain_sites-left_knee").uncheck()
    expect(knee).to_have_attribute("aria-checked", "false")

    for radio in page.locator('input[name^="rf_"][value="no"]').all():
        radio.check()
    page.locator("#questionnaire-phq9 summary").click()
    for item in range(1, 10):
        page.locator(f'input[name="q_phq9_{item}"][value="{1 if item == 9 else 0}"]').check()
    expect(page.locator("#score-phq9")).to_contain_text("total 1")
    expect(page.locator("#score-phq9")).to_contain_text("self_harm_thoughts")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Save and screen").click()
    page.get_by_text("Intake saved and screened.").wait_for()
    assessment = Assessment.objects.get()
    assert assessment.intake_document["pain_sites"] == ["lower_back"]
    assert assessment.decision == "refer_before_treatment"  # PHQ-9 item 9
    page.get_by_label("What did you do about this finding? (required)").fill(
        "Reviewed risk with the patient; GP informed today."
    )
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Finding acknowledged.").wait_for()
    violations = serious_violations(page)
    assert violations == [], page.evaluate(
        "() => [...document.querySelectorAll('.level, .decision, .acknowledged, .muted')]"
        ".map(e => e.className + ': ' + getComputedStyle(e).color + ' on ' "
        "+ getComputedStyle(e).backgroundColor)"
    )
    assert csp_violations(page) == []
