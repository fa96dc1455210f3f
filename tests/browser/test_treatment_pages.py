"""The treatment pages in Debian's Chromium: the live safety checks (htmx) as a point is
chosen, no Content-Security-Policy violations, and an axe accessibility check; on a desktop
and on a phone, where no page is wider than the screen."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENS, csp_violations, serious_violations
from tests.treatment.factories import PREGNANT, episode_with_assessment, make_plan, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@SCREENS
def test_live_checks_and_accessibility(page, sign_in, screen):
    from tests.factories import make_practitioner

    page.set_viewport_size(screen)
    doc = make_practitioner(username="mlopez")
    episode, _ = episode_with_assessment(doc, **PREGNANT)
    plan = make_plan(episode, approve=True)
    session = make_session(
        plan, points=[{"code": "BL23", "side": "bilateral"}], needles_in=2, needles_out=2
    )
    sign_in(page, "mlopez")
    base = page.base_url
    found: dict[str, list[str]] = {}

    page.goto(f"{base}/treatment/plans/{plan.public_id}/")
    found["plan"] = serious_violations(page)
    page.locator("#add-code").fill("SP6")
    page.locator("#add-side").select_option("left")
    page.get_by_text("cannot be used for this patient").wait_for()
    page.locator("#point-q").fill("hegu")
    page.locator("#point-results code", has_text="LI4").wait_for()

    page.goto(f"{base}/treatment/plans/{plan.public_id}/sessions/new/")
    found["form"] = serious_violations(page)
    page.locator("#id_point-1-code").fill("SP6")
    page.locator("#id_point-1-side").select_option("left")
    page.get_by_text("The safety check blocks this session").wait_for()

    for name, path in {
        "session": f"/treatment/sessions/{session.public_id}/",
        "episode": f"/treatment/episodes/{episode.public_id}/",
        "points": "/treatment/points/?q=shenshu",
    }.items():
        page.goto(base + path)
        found[name] = serious_violations(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > screen["width"]:
            found[f"{name} width"] = [f"{width} px on a {screen['width']} px screen"]
    assert {name: v for name, v in found.items() if v} == {}
    assert csp_violations(page) == []
