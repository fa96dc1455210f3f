"""The session form records only what was chosen, shows every field error at once, and
the session page lists events reported later (issue 15, items 6, 7 and 8)."""

from __future__ import annotations

import re

import pytest

from acucare.treatment import services
from acucare.treatment.models import TreatmentSession
from tests.factories import actor, make_practitioner, signed_in
from tests.treatment.factories import episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    doc = make_practitioner()
    episode, _ = episode_with_assessment(doc)
    return make_plan(episode, approve=True)


def selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select id="id_{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def test_a_new_adverse_event_has_no_defaults(plan):
    response = signed_in(plan.created_by).get(f"/treatment/plans/{plan.public_id}/sessions/new/")
    html = response.content.decode()
    for name in ("seriousness", "mechanism", "avoidable", "modality", "reporter"):
        assert selected(html, f"event-0-{name}") is None, name


def test_points_copied_from_the_plan_leave_de_qi_and_stimulation_unrecorded(plan):
    response = signed_in(plan.created_by).get(f"/treatment/plans/{plan.public_id}/sessions/new/")
    html = response.content.decode()
    assert selected(html, "point-0-de_qi") is None
    assert selected(html, "point-0-stimulation") is None
    assert "sought_obtained</option>" not in html  # words, not identifiers
    assert ">Sought and obtained</option>" in html


def test_an_unrecorded_de_qi_stays_unrecorded_in_the_signed_note(plan):
    session = make_session(
        plan,
        points=[{"code": "BL23", "side": "bilateral", "depth_mm": 20}],
        needles_in=2,
        needles_out=2,
        adverse_events=[],
    )
    assert session.points[0].get("de_qi") is None
    html = signed_in(plan.created_by).get(f"/treatment/sessions/{session.public_id}/").content
    assert "Not recorded" in html.decode()
    assert "not_sought" not in html.decode()


def test_an_event_with_only_its_type_shows_every_missing_field_at_once(plan):
    response = signed_in(plan.created_by).post(
        f"/treatment/plans/{plan.public_id}/sessions/new/",
        {
            "point-0-code": "BL23",
            "point-0-side": "bilateral",
            "needle_gauge_mm": "0.25",
            "needle_length_mm": "40",
            "needles_in": "2",
            "needles_out": "2",
            "event-0-type_code": "haematoma",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    for name in ("seriousness", "mechanism", "needed_treatment", "avoidable", "reporter"):
        assert f'id="id_event-0-{name}_error"' in html, name
    assert not TreatmentSession.objects.exists()


def test_an_event_added_by_an_amendment_is_listed_with_the_events(plan):
    session = make_session(plan, adverse_events=[])
    who = actor(plan.created_by)
    services.session_sign(actor=who, session_id=session.public_id, version=session.version)
    services.session_amend(
        actor=who,
        session_id=session.public_id,
        reason="Patient rang",
        text="Bruise at BL23.",
        adverse_events=[
            {
                "seriousness": "minor",
                "mechanism": "traumatic",
                "type_code": "haematoma",
                "needed_treatment": False,
                "avoidable": "unclear",
                "modality": "manual",
                "reporter": "patient",
            }
        ],
    )
    html = signed_in(plan.created_by).get(f"/treatment/sessions/{session.public_id}/").content
    text = html.decode().split("<h2>Adverse events</h2>")[1].split("<h2")[0]
    assert "None recorded at charting." in text
    assert "Reported later, in amendments" in text
    assert "Haematoma" in text
