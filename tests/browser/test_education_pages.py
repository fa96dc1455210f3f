"""The education pages in a browser: on a 390 px phone, with and without JavaScript, axe
reports no serious or critical violation and nothing is wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from acucare.kb import registry
from acucare.kb.records.education import EducationPage
from tests.browser.conftest import TIMEOUT_MS, csp_violations, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SLUGS = sorted(page.slug for page in registry().of(EducationPage).values())
PATHS = ["/portal/learn/", *(f"/portal/learn/{slug}/" for slug in SLUGS)]


def _fits(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def test_every_page_on_a_phone_is_accessible_and_fits(page: Any) -> None:
    page.set_viewport_size(PHONE)
    found: dict[str, list[str]] = {}
    too_wide = []
    for path in PATHS:
        response = page.goto(page.base_url + path)
        assert response is not None
        assert response.status == 200, path
        if violations := serious_violations(page):
            found[path] = violations
        if not _fits(page):
            too_wide.append(path)
    assert found == {}
    assert too_wide == []
    assert csp_violations(page) == []


def test_the_pages_work_without_javascript(chromium: Any, live_server: Any) -> None:
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/learn/")
        page.get_by_role("link", name="Safety and sterile needles").click()
        page.get_by_role("heading", name="Sterile needles, used once").wait_for()
        page.get_by_role("link", name="Source [1]").first.click()
        assert page.url.endswith("#source-1")
        page.get_by_role("link", name="All topics").click()
        page.get_by_role("heading", name="Learn about your care").wait_for()
    finally:
        context.close()
