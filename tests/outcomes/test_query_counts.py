"""The outcomes page runs a fixed number of queries however many sessions it charts."""

import datetime as dt

import pytest

from acucare.treatment.selectors import SessionSummary, plans_by_episode
from tests.factories import signed_in
from tests.outcomes.factories import make_course, record
from tests.treatment.factories import SESSION, make_session

pytestmark = pytest.mark.django_db

# session, user, clinic settings, episode, plans, their sessions (with counts),
# measurements, reviews, discharge, schedule, the audit insert; and at most a session
# refresh with its savepoint pair; the read of the audit hash chain's head.
# And the pain the patient wrote in the portal diary after the sessions.
OUTCOMES_QUERIES = 16


@pytest.mark.parametrize("sessions", [2, 14])
def test_the_outcomes_page(sessions, django_assert_max_num_queries):
    world = make_course(pains=((6, 4),) * sessions)
    record(world, "review", pgic=2)
    client = signed_in(world.practitioner)
    with django_assert_max_num_queries(OUTCOMES_QUERIES):
        response = client.get(f"/outcomes/episodes/{world.episode.public_id}/")
    assert response.status_code == 200
    assert response.content.decode().count("Session ") >= sessions


def test_course_sessions_come_as_rows_with_their_event_counts(django_assert_num_queries):
    """The chart's and the outcomes page's sessions: two queries (plans, sessions with
    their adverse-event counts) however many sessions, the counts per session exact."""
    world = make_course(pains=((6, 4),) * 3)
    minor = dict(SESSION["adverse_events"][0])
    serious = {**minor, "seriousness": "serious", "needed_treatment": True}
    make_session(world.plan, date=dt.date.today().isoformat(),
                 adverse_events=[minor, serious, minor])  # fmt: skip
    with django_assert_num_queries(2):
        plans = plans_by_episode([world.episode])
    (plan,) = plans[world.episode.pk]
    rows = getattr(plan, "sessions_shown")  # noqa: B009 -- set by the selector, not a field
    assert [r.number for r in rows] == [1, 2, 3, 4]
    assert [(r.adverse_event_count, r.serious_event_count) for r in rows] == [
        (0, 0), (0, 0), (0, 0), (3, 1),
    ]  # fmt: skip
    assert all(isinstance(r, SessionSummary) for r in rows)
