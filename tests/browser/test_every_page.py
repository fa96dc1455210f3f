"""Every page, as the role that uses it, on a phone (390 px) and a desktop (1366 px):
the document is never wider than the viewport, axe finds nothing serious or critical,
and no rendered text or pick-list shows a snake_case identifier (issue 15, items 9 and
14, and the "done when" gates)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import serious_violations
from tests.factories import (
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# A word of lower-case letters or digits joined by underscores: `stainless_steel`,
# `brinkhaus2006_art`. Text a person reads never needs one.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

# What the page shows a person: the visible text and the words of every pick-list.
READABLE_TEXT = """() => {
  const options = [...document.querySelectorAll('option')].map(o => o.textContent);
  return [document.body.innerText, ...options].join('\\n');
}"""
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def walk(page: Any, paths: list[str]) -> dict[str, list[str]]:
    """Each path's problems at 390 px, then again at 1366 px (axe once, on the phone)."""
    problems: dict[str, list[str]] = {}
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for path in paths:
            response = page.goto(page.base_url + path)
            assert response is not None
            found = problems.setdefault(f"{path} @{viewport['width']}", [])
            if response.status != 200:
                found.append(f"status {response.status}")
                continue
            width, inner = page.evaluate(WIDTH)
            if width > inner:
                found.append(f"document is {width} px wide in a {inner} px viewport")
            identifiers = sorted(set(SNAKE.findall(page.evaluate(READABLE_TEXT))))
            if identifiers:
                found.append("identifiers shown: " + ", ".join(identifiers[:12]))
            if viewport is PHONE:
                found.extend(serious_violations(page))
    return {path: p for path, p in problems.items() if p}


def clinical_world() -> dict[str, Any]:
    from django.utils import timezone

    from tests.treatment.factories import (
        REFER,
        episode_with_assessment,
        make_plan,
        make_session,
    )

    doc = make_practitioner(username="lchen")
    referred, flagged = episode_with_assessment(doc, **REFER)
    episode, assessment = episode_with_assessment(doc)
    draft = make_plan(referred)
    plan = make_plan(episode, approve=True)
    session = make_session(plan)
    appointment = make_appointment(episode.patient, doc, start=timezone.now())
    return {
        "doc": doc,
        "patient": episode.patient,
        "episode": episode,
        "assessment": assessment,
        "flagged": flagged,
        "draft": draft,
        "plan": plan,
        "session": session,
        "appointment": appointment,
    }


def test_every_practitioner_page(page: Any, sign_in: Any) -> None:
    w = clinical_world()
    sign_in(page, "lchen")
    paths = [
        "/",
        "/today/",
        "/patients/",
        "/patients/new/",
        f"/patients/{w['patient'].public_id}/",
        f"/patients/{w['patient'].public_id}/edit/",
        f"/patients/{w['patient'].public_id}/episodes/new/",
        f"/patients/episodes/{w['episode'].public_id}/edit/",
        "/patients/conditions/?q=knee",
        f"/assessments/episodes/{w['episode'].public_id}/intake/",
        f"/assessments/episodes/{w['episode'].public_id}/",
        f"/assessments/{w['assessment'].public_id}/",
        f"/assessments/{w['flagged'].public_id}/",
        f"/treatment/episodes/{w['episode'].public_id}/",
        f"/treatment/plans/{w['plan'].public_id}/",
        f"/treatment/plans/{w['draft'].public_id}/",
        f"/treatment/plans/{w['plan'].public_id}/sessions/new/",
        f"/treatment/sessions/{w['session'].public_id}/",
        "/treatment/points/?q=BL23",
        "/appointments/",
        "/appointments/?view=week",
        f"/appointments/{w['appointment'].public_id}/",
        f"/appointments/new/?patient={w['patient'].public_id}",
        "/account/credentials/",
        "/account/password/",
        "/account/two-factor/",
        "/account/tokens/",
    ]
    assert walk(page, paths) == {}


def test_every_reception_page(page: Any, sign_in: Any) -> None:
    from django.utils import timezone

    doc = make_practitioner()
    patient = make_patient(doc)
    appointment = make_appointment(patient, doc, start=timezone.now())
    make_reception(username="desk")
    sign_in(page, "desk")
    paths = [
        "/",
        "/patients/",
        "/patients/new/",
        f"/patients/{patient.public_id}/",
        f"/patients/{patient.public_id}/edit/",
        "/appointments/",
        "/appointments/?view=week",
        "/appointments/new/",
        f"/appointments/new/?patient={patient.public_id}",
        f"/appointments/{appointment.public_id}/",
        f"/appointments/{appointment.public_id}/edit/",
        f"/appointments/{appointment.public_id}/cancel/",
    ]
    assert walk(page, paths) == {}


def test_every_admin_page(page: Any, sign_in: Any) -> None:
    doc = make_practitioner()
    make_patient(doc)
    make_admin(username="boss")
    sign_in(page, "boss")
    paths = [
        "/",
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/{doc.public_id}/",
        "/admin/clinic/",
        "/admin/audit/",
        "/account/password/",
        "/account/tokens/",
    ]
    assert walk(page, paths) == {}


def test_the_signed_out_pages(page: Any) -> None:
    assert walk(page, ["/sign-in/"]) == {}
