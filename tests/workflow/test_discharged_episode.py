"""A discharged episode offers no planning or charting actions, and says why before
any form is filled (issue 15, item 4)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from acucare.patients.models import EpisodeStatus
from tests.factories import make_practitioner, signed_in
from tests.treatment.factories import episode_with_assessment, make_plan

pytestmark = pytest.mark.django_db


def discharge(episode):
    episode.status = EpisodeStatus.DISCHARGED
    episode.ended_on = timezone.localdate()
    episode.save()


@pytest.fixture
def discharged():
    doc = make_practitioner()
    episode, _ = episode_with_assessment(doc)
    plan = make_plan(episode, approve=True)
    discharge(episode)
    return doc, episode, plan


def test_the_episode_page_offers_no_plan_or_session(discharged):
    doc, episode, plan = discharged
    html = signed_in(doc).get(f"/treatment/episodes/{episode.public_id}/").content.decode()
    assert "This episode is discharged" in html
    assert "Generate a plan" not in html
    assert f"/treatment/plans/{plan.public_id}/sessions/new/" not in html


def test_the_plan_page_offers_no_charting_or_point_edits(discharged):
    doc, _episode, plan = discharged
    html = signed_in(doc).get(f"/treatment/plans/{plan.public_id}/").content.decode()
    assert "This episode is discharged" in html
    assert "Chart a session" not in html
    assert "Add point" not in html
    assert "reopen the episode" in html


def test_the_session_form_is_refused_before_it_is_filled(discharged):
    doc, _episode, plan = discharged
    response = signed_in(doc).get(f"/treatment/plans/{plan.public_id}/sessions/new/")
    assert response.status_code == 302
    assert response["Location"] == f"/treatment/plans/{plan.public_id}/"


def test_an_open_episode_still_offers_them():
    doc = make_practitioner()
    episode, _ = episode_with_assessment(doc)
    plan = make_plan(episode, approve=True)
    client = signed_in(doc)
    assert (
        "Generate a plan"
        in client.get(f"/treatment/episodes/{episode.public_id}/").content.decode()
    )
    assert client.get(f"/treatment/plans/{plan.public_id}/sessions/new/").status_code == 200


def test_a_draft_plan_of_a_discharged_episode_is_not_approved():
    """Refused in the service (so the API too), not only hidden on the page."""
    import json

    from acucare.domain.errors import InputError
    from acucare.treatment import services
    from tests.factories import actor

    doc = make_practitioner()
    episode, _ = episode_with_assessment(doc)
    plan = make_plan(episode)
    discharge(episode)
    with pytest.raises(InputError, match="discharged") as refused:
        services.plan_approve(actor=actor(doc), plan_id=plan.public_id, version=plan.version)
    assert refused.value.field == "episode"
    with pytest.raises(InputError, match="discharged"):
        services.plan_point_add(
            actor=actor(doc),
            plan_id=plan.public_id,
            version=plan.version,
            point={"code": "LI4", "side": "bilateral"},
        )
    response = signed_in(doc).post(
        f"/api/v1/plans/{plan.public_id}/approve",
        data=json.dumps({"version": plan.version}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "episode"
    page = signed_in(doc).get(f"/treatment/plans/{plan.public_id}/").content.decode()
    assert "Approve this plan" not in page
    plan.refresh_from_db()
    assert plan.status == "draft"
