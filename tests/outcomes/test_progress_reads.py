"""What the progress selectors read: the rows the pages use, in the order they show them,
and not the signer or the judged course where nothing shows them."""

from __future__ import annotations

import datetime as dt

import pytest

from acucare.outcomes import services
from acucare.outcomes.models import CourseReview, Discharge
from acucare.outcomes.selectors import chart_progress, episode_progress
from acucare.treatment.models import TreatmentPlan
from acucare.treatment.selectors import plans_by_episode
from tests.documents.factories import reviewed_course
from tests.factories import actor
from tests.outcomes.factories import CourseWorld, make_course
from tests.treatment.factories import make_plan, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed() -> CourseWorld:
    """Two signed reviews (the second after the first) and the discharge."""
    world = reviewed_course()
    who = actor(world.practitioner)
    services.review_record(
        actor=who, episode_id=world.episode.public_id, decision="continue", reason="Second."
    )
    services.discharge_record(
        actor=who, episode_id=world.episode.public_id, reason="goals_met", advice="Walk."
    )
    return world


def test_the_chart_reads_reviews_without_their_signer_or_judged_course(reviewed):
    """The chart, portal and letters show no signer and never the course a review was
    judged on (a hundred-session course's JSON): neither is read."""
    progress = chart_progress([reviewed.episode])[reviewed.episode.pk]
    assert progress.reviews
    assert progress.discharge is not None
    signed_rows: list[CourseReview | Discharge] = [*progress.reviews, progress.discharge]
    for signed in signed_rows:
        assert "course_document" in signed.get_deferred_fields()
        assert not type(signed).signed_by.is_cached(signed)
        assert signed.review_document  # what the pages and letters show is there


def test_the_outcomes_page_reads_the_signers_name_not_the_judged_course(
    reviewed, django_assert_num_queries
):
    progress = episode_progress(
        actor=actor(reviewed.practitioner), episode_id=reviewed.episode.public_id
    )
    assert progress.discharge is not None
    signed_rows: list[CourseReview | Discharge] = [*progress.reviews, progress.discharge]
    with django_assert_num_queries(0):
        names = [s.signed_by.display_name for s in signed_rows]
    assert names == [reviewed.practitioner.display_name] * 3
    for signed in signed_rows:
        assert "course_document" in signed.get_deferred_fields()


def test_reviews_come_oldest_signed_first_whatever_their_ids(reviewed):
    first, second = CourseReview.objects.filter(episode=reviewed.episode).order_by("id")
    CourseReview.objects.filter(pk=first.pk).update(signed_at=second.signed_at + dt.timedelta(1))
    for progress in (
        chart_progress([reviewed.episode])[reviewed.episode.pk],
        episode_progress(actor=actor(reviewed.practitioner), episode_id=reviewed.episode.public_id),
    ):
        assert [r.reason for r in progress.reviews] == ["Second.", first.reason]
    assert Discharge.objects.filter(episode=reviewed.episode).exists()


def test_plans_come_newest_first_each_with_its_sessions_by_number():
    world = make_course(pains=((6, 4),) * 3)
    newer = make_plan(world.episode, approve=True)
    for _ in range(3):
        make_session(newer, date=dt.date.today().isoformat())
    older = TreatmentPlan.objects.get(pk=world.plan.pk)
    # The newer plan's id is the larger; make it the older by creation time.
    TreatmentPlan.objects.filter(pk=newer.pk).update(
        created_at=older.created_at - dt.timedelta(days=1)
    )
    plans = plans_by_episode([world.episode])[world.episode.pk]
    assert [p.pk for p in plans] == [older.pk, newer.pk]
    for plan in plans:
        numbers = [s.number for s in plan.sessions_shown]  # type: ignore[attr-defined]
        assert numbers == [1, 2, 3]
