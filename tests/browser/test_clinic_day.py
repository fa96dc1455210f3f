"""Issue 15 in Chromium, where only a browser can show it: the walker's phone-width check
reports a page that is too wide (so its silence on the real pages means they fit), the
main menu folds on a phone, a condition found by the look-up is put into the episode form
by its "Use" button, and the interactive API documentation runs under the strict
Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENS, csp_violations
from tests.browser.test_every_page import _problems
from tests.factories import make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = "wider than 390 px"


def _serve(page: Any, path: str, body: str) -> None:
    """Answer `path` on the live server's address with `body` (an HTML page), so the
    walker's own `_problems` opens it exactly as it opens the application's pages."""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Control</title></head><body><main><h1>Control</h1>{body}</main></body></html>"
    )
    page.route(
        page.base_url + path,
        lambda route: route.fulfill(status=200, content_type="text/html", body=document),
    )


def test_the_walkers_width_check_reports_a_page_wider_than_a_phone(page: Any) -> None:
    page.set_viewport_size(PHONE)
    _serve(page, "/too-wide/", '<div style="width: 900px">A row that does not wrap.</div>')
    _serve(
        page,
        "/boxed/",
        '<div style="overflow-x: auto"><div style="width: 900px">A wide table.</div></div>',
    )
    _serve(page, "/identifier/", "<p>Needle: stainless_steel</p>")

    too_wide = _problems(page, "/too-wide/")
    assert too_wide.get(WIDE, 0) >= 900, too_wide
    # Wide content scrolling inside its own box is what the pages do, and passes.
    assert WIDE not in _problems(page, "/boxed/")
    # The identifier scan in the same function reports a snake_case word.
    assert _problems(page, "/identifier/").get("snake_case") == ["stainless_steel"]


@SCREENS
def test_the_main_menu_folds_on_a_phone(page: Any, sign_in: Any, screen: dict[str, int]) -> None:
    page.set_viewport_size(screen)
    make_practitioner(username="lchen")
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/patients/")
    patients = page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")
    menu = page.locator("details.menu > summary")
    if screen is PHONE:
        # Folded, so the page's own content comes first; one tap opens it.
        expect(patients).to_be_hidden()
        menu.click()
        expect(patients).to_be_visible()
    else:
        expect(patients).to_be_visible()
        expect(menu).to_be_hidden()
    assert csp_violations(page) == []


def test_use_puts_the_looked_up_code_into_the_episode_form(page: Any, sign_in: Any) -> None:
    page.set_viewport_size(PHONE)
    doc = make_practitioner(username="lchen")
    patient = make_patient(doc)
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/patients/{patient.public_id}/episodes/new/")
    page.get_by_label("Complaint").fill("Sore neck")
    page.get_by_label("Code or name").fill("neck")
    # htmx shows the results as one types; "Use" sends the form back with the code.
    page.get_by_role("button", name="Use M54.2", exact=False).click()
    page.get_by_text("M54.2 added to the conditions.").wait_for()
    expect(page.locator("#id_icd10_0")).to_have_value("M54.2")
    expect(page.get_by_label("Complaint")).to_have_value("Sore neck")
    assert csp_violations(page) == []


def test_the_api_documentation_runs_under_the_strict_csp(page: Any, sign_in: Any) -> None:
    make_practitioner(username="lchen")
    sign_in(page, "lchen")
    response = page.goto(f"{page.base_url}/api/v1/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI has fetched the OpenAPI document and drawn its operations.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/patients")
    assert csp_violations(page) == []
