"""The outcomes page runs a fixed number of queries however many sessions it charts."""

import pytest

from tests.factories import signed_in
from tests.outcomes.factories import make_course, record

pytestmark = pytest.mark.django_db

# session, user, clinic settings, episode, plans, their sessions (with counts),
# measurements, reviews, discharge, schedule, the audit insert; and at most a session
# refresh with its savepoint pair; the read of the audit hash chain's head.
OUTCOMES_QUERIES = 15


@pytest.mark.parametrize("sessions", [2, 14])
def test_the_outcomes_page(sessions, django_assert_max_num_queries):
    world = make_course(pains=((6, 4),) * sessions)
    record(world, "review", pgic=2)
    client = signed_in(world.practitioner)
    with django_assert_max_num_queries(OUTCOMES_QUERIES):
        response = client.get(f"/outcomes/episodes/{world.episode.public_id}/")
    assert response.status_code == 200
    assert response.content.decode().count("Session ") >= sessions
