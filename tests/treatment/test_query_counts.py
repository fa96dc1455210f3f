"""The plan-and-sessions pages and lists run a fixed number of queries however many
sessions they show."""

import pytest

from tests.factories import signed_in
from tests.treatment.factories import episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db

# session, user, clinic settings, episode, plans, their sessions (with counts), the audit
# insert; the outcomes panel's measurements, reviews, discharge and schedule (four); and at
# most a session refresh with its savepoint pair.
# (+1 since issue 14: each audit insert first reads the hash chain's head FOR UPDATE.)
# (+1 since issue 11: the outcomes panel's pain chart reads the patient's diary days, one
# query whatever the number of sessions.)
EPISODE_QUERIES = 16
# session, user, clinic, plan, sessions, adverse events, amendments, the audit insert;
# and the session refresh with its savepoint pair.
API_LIST_QUERIES = 12


@pytest.fixture
def busy_plan():
    episode, _ = episode_with_assessment()
    old = make_plan(episode, approve=True)
    for _ in range(3):
        make_session(old)
    plan = make_plan(episode, approve=True)
    for _ in range(12):
        make_session(plan)
    return plan


def test_episode_page(busy_plan, django_assert_max_num_queries):
    client = signed_in(busy_plan.episode.patient.primary_practitioner)
    with django_assert_max_num_queries(EPISODE_QUERIES):
        response = client.get(f"/treatment/episodes/{busy_plan.episode.public_id}/")
    html = response.content.decode()
    assert html.count("/treatment/sessions/") == 15
    assert "Superseded" in html


def test_api_session_list(busy_plan, django_assert_max_num_queries):
    client = signed_in(busy_plan.episode.patient.primary_practitioner)
    with django_assert_max_num_queries(API_LIST_QUERIES):
        response = client.get(f"/api/v1/plans/{busy_plan.public_id}/sessions")
    assert len(response.json()) == 12


def test_api_plan_list(busy_plan, django_assert_max_num_queries):
    client = signed_in(busy_plan.episode.patient.primary_practitioner)
    with django_assert_max_num_queries(API_LIST_QUERIES):
        response = client.get(f"/api/v1/episodes/{busy_plan.episode.public_id}/plans")
    assert len(response.json()) == 2


def test_the_chart_links_each_episode_to_its_plan_and_sessions(busy_plan):
    html = (
        signed_in(busy_plan.episode.patient.primary_practitioner)
        .get(f"/patients/{busy_plan.episode.patient.public_id}/")
        .content.decode()
    )
    assert f"/treatment/episodes/{busy_plan.episode.public_id}/" in html
    assert "Plan and sessions" in html
