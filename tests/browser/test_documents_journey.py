"""A referral letter from the chart, on a desktop and on a phone: preview, sign (a background
job whose page updates itself), see it on the chart, download the PDF; the preview, the
signing page and the chart fit the screen and pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from acucare.documents import storage
from acucare.documents.models import Document
from tests.assessments.factories import make_assessment
from tests.browser.conftest import SCREENS, csp_violations, serious_violations
from tests.documents.factories import with_gp
from tests.factories import make_episode, make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflows(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


@SCREENS
def test_a_referral_letter_is_previewed_signed_and_downloaded(
    page: Any, sign_in: Any, tmp_path: Path, live_settings: Any, screen: dict[str, int]
) -> None:
    live_settings.MEDIA_ROOT = tmp_path / "documents"
    page.set_viewport_size(screen)
    doc = make_practitioner(username="lchen")
    episode = with_gp(make_episode(make_patient(doc, given_name="Ada", family_name="Moreno")))
    make_assessment(episode, red_flags=["unexplained_weight_loss"])
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/patients/{episode.patient.public_id}/")
    page.get_by_role("link", name="referral letter").click()
    page.get_by_role("heading", name="Referral letter for Ada Moreno").wait_for()
    expect(page.locator(".document-preview")).to_contain_text("Unexplained weight loss.")
    found = {"preview": serious_violations(page)}
    assert not overflows(page)
    # Signing is queued as a background job: the page shows its progress and updates
    # itself (htmx) until the worker has rendered and stored the PDF.
    with page.expect_navigation(timeout=120_000):
        page.get_by_role("button", name="Sign and store the PDF").click(timeout=120_000)
    page.get_by_role("heading", name="Signing…").wait_for()
    assert not overflows(page)
    found["signing"] = serious_violations(page)
    call_command("worker", burst=True)
    page.get_by_text("Referral letter signed and stored (version 1).").wait_for(timeout=120_000)
    assert not overflows(page)
    found["signed"] = serious_violations(page)
    page.get_by_role("link", name="Back to the chart").click()
    link = page.get_by_role("link", name="Referral letter, version 1")
    # The click only starts the navigation: measure the chart once it has arrived.
    link.wait_for()
    assert not overflows(page)
    found["chart"] = serious_violations(page)
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "letter.pdf"
    download.value.save_as(saved)
    letter = Document.objects.get()
    assert storage.digest(saved.read_bytes()) == letter.sha256
    assert download.value.suggested_filename.startswith("referral-letter-")
    assert {name: v for name, v in found.items() if v} == {}
    assert csp_violations(page) == []
