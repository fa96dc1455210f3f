"""Outcomes in a real browser: baseline questionnaires → six sessions charted with pain
scores → the course review at session 6, pre-filled by the review engine, signed with a
decision → discharge; the outcome chart is on the page, axe finds nothing serious, and
the pages fit a 390 px phone screen. The journey runs on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from acucare.outcomes.models import CourseReview, Discharge, Measurement
from acucare.patients.models import EpisodeStatus
from acucare.treatment.models import TreatmentSession
from tests.browser.conftest import PHONE, SCREENS, csp_violations, serious_violations
from tests.treatment.factories import episode_with_assessment, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAINS = ((7, 5), (6, 4), (6, 4), (5, 3), (4, 3), (3, 2))


def overflows(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def chart_six_sessions(page, plan) -> list[str]:
    """Chart PAINS through the session form; the axe findings of the sixth form."""
    base = page.base_url
    found: list[str] = []
    for number, (before, after) in enumerate(PAINS, 1):
        page.goto(f"{base}/treatment/plans/{plan.public_id}/sessions/new/")
        page.get_by_role("heading", name=re.compile(rf"^Chart session {number}\b")).wait_for()
        if number == 6:
            # The session that ends with a review says so on the form.
            expect(page.locator("main")).to_contain_text("Review after session 6")
            found = serious_violations(page)
        page.locator("#id_needles_in").fill("4")
        page.locator("#id_needles_out").fill("4")
        page.locator("#id_pain_before").fill(str(before))
        page.locator("#id_pain_after").fill(str(after))
        page.locator("#id_needle_gauge_mm").fill("0.25")
        page.locator("#id_needle_length_mm").fill("40")
        page.locator("#id_needle_material").select_option("stainless_steel")
        page.locator("#id_retention_minutes").fill("20")
        page.get_by_role("button", name="Save session").click()
        page.get_by_text(re.compile(rf"Session {number} charted")).wait_for()
    return found


def discharge(page) -> list[str]:
    """From the outcomes page, discharge with goals met; the axe findings of the form."""
    page.get_by_role("link", name="Discharge").click()
    page.get_by_label("Reason for discharge").select_option("goals_met")
    advice = page.get_by_label("Advice given to the patient")
    advice.fill("Keep walking daily; come back if it flares.")
    found = serious_violations(page)
    page.get_by_role("button", name="Discharge").click()
    page.get_by_text("Discharged. The follow-ups are scheduled.").wait_for()
    return found


def check_discharged(episode) -> None:
    discharge = Discharge.objects.get(episode=episode)
    assert discharge.sessions_delivered == 6
    assert len(discharge.followups) >= 1
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.DISCHARGED
    assert Measurement.objects.filter(episode=episode).count() == 2


@SCREENS
def test_baseline_sessions_review_and_discharge(page, sign_in, screen):
    page.set_viewport_size(screen)
    from tests.factories import make_practitioner

    doc = make_practitioner(username="okafor")
    episode, _ = episode_with_assessment(doc)
    plan = make_plan(episode, approve=True)
    sign_in(page, "okafor")
    base = page.base_url
    found: dict[str, list[str]] = {}

    # Baseline: the PEG at intake, on the outcomes page.
    page.goto(f"{base}/outcomes/episodes/{episode.public_id}/")
    page.get_by_role("link", name="Record baseline questionnaires").click()
    for item, value in zip(("1", "2", "3"), ("7", "6", "8"), strict=True):
        page.locator(f"#id_m-q_peg_{item}").select_option(value)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Baseline questionnaires saved.").wait_for()

    # Six sessions, each with pain before and after.
    found["session form"] = chart_six_sessions(page, plan)
    assert TreatmentSession.objects.filter(plan=plan).count() == 6

    # The review at session 6: questionnaires first, then the engine's suggestion.
    page.goto(f"{base}/outcomes/episodes/{episode.public_id}/")
    expect(page.locator("main")).to_contain_text("due now")
    page.get_by_role("link", name="Review the course").click()
    page.get_by_role("heading", name="Course review after session 6").wait_for()
    for item in ("1", "2", "3"):
        page.locator(f"#id_m-q_peg_{item}").select_option("3")
    page.locator("#id_m-pgic").select_option("2")
    page.get_by_role("button", name="Save the questionnaires").click()
    page.get_by_text("Review questionnaires saved.").wait_for()
    expect(page.locator("main")).to_contain_text("Baseline and now, by domain")
    expect(page.locator("main")).to_contain_text("Suggested")
    found["review"] = serious_violations(page)
    page.get_by_label("Continue the plan").check()
    page.get_by_label("Reason").fill("Pain down by more than half; the patient wants to go on.")
    page.get_by_role("button", name="Sign the review").click()
    page.get_by_text("Review signed. Continue the plan.").wait_for()
    review = CourseReview.objects.get(episode=episode)
    assert (review.decision, review.sessions_delivered, review.signed_by) == ("continue", 6, doc)

    # The outcome chart: SVG with its numbers as a table, and the review marker.
    chart = page.locator("figure.outcome-chart").first
    svg = chart.get_by_role("img", name=re.compile("Pain at each session"))
    expect(svg).to_be_visible()
    expect(svg).to_contain_text("Review 6")
    expect(chart.locator("table")).to_contain_text("Pain before")
    found["outcomes"] = serious_violations(page)

    found["discharge"] = discharge(page)
    check_discharged(episode)

    # A discharged episode offers no charting actions.
    page.goto(f"{base}/treatment/episodes/{episode.public_id}/")
    expect(page.get_by_role("link", name="Chart a session")).to_have_count(0)
    page.goto(f"{base}/patients/{episode.patient.public_id}/")
    expect(page.locator("main")).to_contain_text("At a glance")
    found["chart"] = serious_violations(page)

    # A phone: the outcomes page fits 390 px.
    page.set_viewport_size(PHONE)
    for path in (
        f"/outcomes/episodes/{episode.public_id}/",
        f"/patients/{episode.patient.public_id}/",
    ):
        page.goto(base + path)
        assert not overflows(page), path
    assert {name: v for name, v in found.items() if v} == {}
    assert csp_violations(page) == []
