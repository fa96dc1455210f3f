"""The clinic outcomes dashboard in a real browser: the admin and a practitioner open
`/analytics/` over five finished courses; the tables, both plots (with their titles and
data tables) and the benchmark caveats are there, axe finds nothing serious, and the page
fits 1366 px and a 390 px phone without the page itself scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.analytics.factories import reviewed_course
from tests.browser.conftest import csp_violations, serious_violations
from tests.factories import make_admin, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflows(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def check_dashboard(page, width: int) -> list[str]:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{page.base_url}/analytics/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic outcomes against the trials")
    expect(page.get_by_role("heading", name="Outcomes at discharge")).to_be_visible()
    expect(page.get_by_role("img", name="Pain trajectories by responder group")).to_be_visible()
    expect(
        page.get_by_role("img", name="Responders at discharge by practitioner (funnel plot)")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("selected patients")
    assert not overflows(page), f"the page scrolls sideways at {width} px"
    return serious_violations(page)


def test_the_dashboard_for_a_practitioner_and_the_admin(page, sign_in):
    practitioner = make_practitioner(username="lchen")
    for i in range(5):
        reviewed_course(practitioner, responder=i != 2)
    make_admin(username="boss")
    sign_in(page, "lchen")
    found = {f"practitioner at {w} px": check_dashboard(page, w) for w in (1366, 390)}
    # The figures over five courses are shown, not suppressed.
    expect(page.locator("#table-outcomes-discharge + p + .table-wrap")).to_contain_text("80 %")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "boss")
    found.update({f"admin at {w} px": check_dashboard(page, w) for w in (1366, 390)})
    assert {k: v for k, v in found.items() if v} == {}
    assert csp_violations(page) == []
