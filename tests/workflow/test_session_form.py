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


def field_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input id="id_{name}" name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else None


def test_the_form_opens_with_the_number_the_date_and_one_row_per_point(plan):
    from django.utils import timezone

    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    html = signed_in(plan.created_by).get(url).content.decode()
    assert field_value(html, "number") == "1"
    assert field_value(html, "date") == timezone.localdate().isoformat()
    rows = len(plan.points) + 1  # the plan's points and one empty row
    assert f'name="point-{rows - 1}-code"' in html
    assert f'name="point-{rows}-code"' not in html
    assert 'name="event-0-type_code"' in html
    assert 'name="event-1-type_code"' not in html
    assert '<table class="point-table">' in html


def test_add_another_point_comes_back_one_row_longer_keeping_every_value(plan):
    client = signed_in(plan.created_by)
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    rows = len(plan.points) + 1
    form = {
        "point_rows": str(rows),
        "pair_rows": "0",
        "event_rows": "1",
        "notes": "Kept across the round trip.",
        f"point-{rows - 1}-code": "LI4",
        f"point-{rows - 1}-side": "left",
        "add": "point",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="point-{rows}-code"' in html
    assert field_value(html, f"point-{rows - 1}-code") == "LI4"
    assert selected(html, f"point-{rows - 1}-side") == "left"
    assert "Kept across the round trip." in html
    assert "Nothing was saved" not in html  # no errors shown for an unfinished form
    assert not TreatmentSession.objects.exists()
    events = client.post(url, {**form, "add": "event"}).content.decode()
    assert 'name="event-1-type_code"' in events
    pairs = client.post(url, {**form, "add": "pair"}).content.decode()
    assert 'name="pair-0-a_code"' in pairs


def test_rows_are_bounded_however_many_are_asked_for(plan):
    from acucare.treatment.session_form import MAX_ROWS

    client = signed_in(plan.created_by)
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    html = client.post(url, {"point_rows": "99999", "add": "point"}).content.decode()
    assert f'name="point-{MAX_ROWS - 1}-code"' in html
    assert f'name="point-{MAX_ROWS}-code"' not in html
    html = client.post(url, {"point-999-code": "LI4", "add": "event"}).content.decode()
    assert f'name="point-{MAX_ROWS}-code"' not in html


def test_every_field_error_shows_at_once(plan):
    client = signed_in(plan.created_by)
    url = f"/treatment/plans/{plan.public_id}/sessions/new/"
    response = client.post(
        url,
        {
            "pain_before": "12",
            "pain_after": "-3",
            "point-0-code": "BL23",
            "point-0-side": "bilateral",
            "point-0-depth_mm": "deep",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    for name in ("pain_before", "pain_after", "point-0-depth_mm"):
        assert f'id="id_{name}_error"' in html, name
