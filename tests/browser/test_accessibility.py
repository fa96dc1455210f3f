"""axe-core (bundled with axe-playwright-python, nothing downloaded) on every main page,
as the role that uses it: no `serious` or `critical` violation is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import serious_violations
from tests.factories import (
    PASSWORD,
    enrol_totp,
    make_admin,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def audit_pages(page: Any, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(page.base_url + path)
        assert response is not None
        assert response.status == 200, (path, response.status)
        found[path] = serious_violations(page)
    return {path: violations for path, violations in found.items() if violations}


def test_the_sign_in_pages(page: Any, sign_in: Any) -> None:
    enrol_totp(make_practitioner(username="lchen"))
    page.goto(f"{page.base_url}/sign-in/")
    found = {"/sign-in/": serious_violations(page)}
    page.get_by_label("Username").fill("lchen")
    page.get_by_label("Password").fill("wrong password, to show the error")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".error, [role=alert]").first.wait_for()
    found["/sign-in/ (failed)"] = serious_violations(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Six-digit code").wait_for()
    found["/sign-in/code/"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_practitioner_pages(page: Any, sign_in: Any) -> None:
    doc = make_practitioner(username="lchen")
    patient = make_patient(doc)
    episode = make_episode(patient, "M54.50", "G44.2")
    make_patient(doc)
    sign_in(page, "lchen")
    assert (
        audit_pages(
            page,
            [
                "/",
                "/patients/",
                "/patients/?q=Family",
                f"/patients/{patient.public_id}/",
                "/patients/new/",
                f"/patients/{patient.public_id}/episodes/new/",
                f"/patients/episodes/{episode.public_id}/edit/",
                "/patients/conditions/?q=knee",
                "/account/credentials/",
                "/account/password/",
                "/account/two-factor/",
                "/account/tokens/",
            ],
        )
        == {}
    )


def test_the_clinical_pages(page: Any, sign_in: Any) -> None:
    from tests.treatment.factories import REFER, episode_with_assessment, make_plan, make_session

    doc = make_practitioner(username="lchen")
    referred, flagged = episode_with_assessment(doc, **REFER)
    episode, assessment = episode_with_assessment(doc)
    draft = make_plan(referred)
    plan = make_plan(episode, approve=True)
    session = make_session(plan)
    sign_in(page, "lchen")
    paths = [
        f"/patients/{episode.patient.public_id}/",
        f"/assessments/episodes/{episode.public_id}/intake/",
        f"/assessments/episodes/{episode.public_id}/",
        f"/assessments/{assessment.public_id}/",
        f"/assessments/{flagged.public_id}/",
        f"/treatment/episodes/{episode.public_id}/",
        f"/treatment/plans/{plan.public_id}/",
        f"/treatment/plans/{draft.public_id}/",
        f"/treatment/plans/{plan.public_id}/sessions/new/",
        f"/treatment/sessions/{session.public_id}/",
        "/treatment/points/?q=BL23",
    ]
    assert audit_pages(page, paths) == {}


def test_the_intake_form_with_errors(page: Any, sign_in: Any) -> None:
    from tests.treatment.factories import episode_with_assessment

    doc = make_practitioner(username="lchen")
    episode, _ = episode_with_assessment(doc)
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/assessments/episodes/{episode.public_id}/intake/")
    page.get_by_role("button", name="Save and screen").click()
    page.locator(".error").first.wait_for()
    assert serious_violations(page) == []


def test_a_form_with_errors(page: Any, sign_in: Any) -> None:
    doc = make_practitioner(username="lchen")
    patient = make_patient(doc)
    sign_in(page, "lchen")
    page.goto(f"{page.base_url}/patients/{patient.public_id}/episodes/new/")
    page.get_by_role("button", name="Open episode").click()
    page.locator(".error").first.wait_for()
    assert serious_violations(page) == []


def test_the_reception_pages(page: Any, sign_in: Any) -> None:
    from django.utils import timezone

    from tests.factories import make_appointment

    doc = make_practitioner()
    patient = make_patient(doc)
    booked = make_appointment(patient, doc, start=timezone.now())
    make_reception(username="desk")
    sign_in(page, "desk")
    paths = [
        "/patients/",
        f"/patients/{patient.public_id}/",
        f"/patients/{patient.public_id}/edit/",
        "/appointments/",
        f"/appointments/new/?patient={patient.public_id}",
        f"/appointments/{booked.public_id}/",
        f"/appointments/{booked.public_id}/edit/",
    ]
    assert audit_pages(page, paths) == {}


def test_the_admin_pages(page: Any, sign_in: Any) -> None:
    make_patient(make_practitioner())
    admin = make_admin(username="boss")
    sign_in(page, "boss")
    paths = [
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/{admin.public_id}/",
        "/admin/clinic/",
        "/admin/credentials/",
        "/admin/audit/",
        "/admin/audit/?action=create",
    ]
    assert audit_pages(page, paths) == {}


def test_the_check_itself_finds_what_it_is_for(page: Any) -> None:
    """A control: an unlabelled field and unreadable text are reported, so an empty
    result above means the pages passed, not that axe did not run."""
    page.set_content(
        '<html lang="en"><title>t</title><main><h1>Form</h1>'
        '<input type="text" name="q">'
        '<p style="color:#bbb;background:#fff">faint</p></main></html>'
    )
    found = " ".join(serious_violations(page))
    assert "label" in found
    assert "color-contrast" in found
