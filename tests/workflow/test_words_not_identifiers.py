"""No rendered page or pick-list shows a snake_case identifier (issue 15, item 9).

The text a person reads (tags, attributes, scripts and styles removed) and the words of
every <option> are scanned for `word_word` identifiers on every page of each role. The
browser walk (tests/browser/test_every_page.py) checks the same with the page as shown."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def readable_text(page: str) -> str:
    return htmllib.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page)))


def identifiers(client: Client, paths: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, (path, response.status_code)
        shown = sorted(set(SNAKE.findall(readable_text(response.content.decode()))))
        if shown:
            found[path] = shown
    return found


def clinical_world() -> dict[str, Any]:
    from tests.treatment.factories import REFER, episode_with_assessment, make_plan, make_session

    doc = make_practitioner()
    referred, flagged = episode_with_assessment(doc, **REFER)
    episode, assessment = episode_with_assessment(doc)
    return {
        "doc": doc,
        "patient": episode.patient,
        "episode": episode,
        "assessment": assessment,
        "flagged": flagged,
        "draft": make_plan(referred),
        "plan": (plan := make_plan(episode, approve=True)),
        "session": make_session(plan),
        "appointment": make_appointment(episode.patient, doc, start=timezone.now()),
    }


def practitioner_paths(w: dict[str, Any]) -> list[str]:
    return [
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


def test_the_practitioner_pages_show_words():
    w = clinical_world()
    found = identifiers(signed_in(w["doc"]), practitioner_paths(w))
    assert not found, "\n".join(f"{p}: {v}" for p, v in found.items())


def test_the_reception_and_admin_pages_show_words():
    doc = make_practitioner()
    patient = make_patient(doc)
    appointment = make_appointment(patient, doc, start=timezone.now())
    reception = [
        "/patients/",
        "/patients/new/",
        f"/patients/{patient.public_id}/",
        "/appointments/",
        f"/appointments/{appointment.public_id}/",
        f"/appointments/{appointment.public_id}/edit/",
        f"/appointments/new/?patient={patient.public_id}",
    ]
    admin = [
        "/",
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/{doc.public_id}/",
        "/admin/clinic/",
        "/admin/credentials/",
        "/admin/audit/",
    ]
    # A renewal awaiting the admin, so the credentials page shows its table of changes.
    from acucare.accounts.models import PractitionerProfile
    from acucare.accounts.services import Credentials, profile_update
    from tests.factories import actor

    PractitionerProfile.objects.filter(user=doc).update(
        licence_expiry=timezone.localdate(), scope_restrictions="No eye points."
    )
    profile_update(
        actor=actor(doc),
        credentials=Credentials(licence_expiry=timezone.localdate() + dt.timedelta(days=400)),
    )
    found = identifiers(signed_in(make_reception()), reception)
    found |= identifiers(signed_in(make_admin()), admin)
    assert found == {}
