"""The pain medicines the patient writes in their portal diary feed the review's
medication outcome (MME per day, CDC 2022) when nothing was recorded at the timepoint;
what the practitioner recorded at the timepoint wins; a diary day two weeks or more
before the timepoint never stands for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from acucare.domain.diary import course_medications
from acucare.outcomes.selectors import episode_progress
from acucare.portal.models import DiaryEntry
from tests.factories import actor
from tests.outcomes.factories import CourseWorld, make_course, record

pytestmark = pytest.mark.django_db

OXYCODONE_10_TWICE = [{"name": "oxycodone", "dose_mg": 10, "doses_per_day": 2}]  # 30 MME


def _diary(world: CourseWorld, day: dt.date, medicines: list[dict[str, object]]) -> None:
    DiaryEntry.objects.create(
        patient=world.episode.patient,
        session=world.sessions[-2],
        day=day,
        pain=4,
        sleep_hours=Decimal("7.0"),
        sleep_quality=6,
        medicines=medicines,
        created_by=world.practitioner,
    )


def _medication(world: CourseWorld) -> dict[str, object]:
    progress = episode_progress(actor=actor(world.practitioner), episode_id=world.episode.public_id)
    assert progress.review is not None
    found: dict[str, object] = progress.review["medication"]["opioid_mme_per_day"]
    return found


@pytest.fixture
def world() -> CourseWorld:
    world = make_course()
    record(world, "baseline", medications=OXYCODONE_10_TWICE)
    return world


def test_the_latest_diary_day_gives_the_medicines_at_a_review_with_none_recorded(world):
    record(world, "review", pgic=2)
    assert _medication(world) == {"baseline": 30, "latest": None}
    today = dt.date.today()
    _diary(world, today - dt.timedelta(days=5), [
        {"medicine": "oxycodone", "dose": 10.0, "unit": "mg", "times": 2},
    ])  # fmt: skip
    _diary(world, today - dt.timedelta(days=3), [
        {"medicine": "oxycodone", "dose": 5.0, "unit": "mg", "times": 2},
        {"medicine": "fentanyl", "dose": 12.0, "unit": "mcg/h", "times": 1},
    ])  # fmt: skip
    # 5 mg × 2 × 1.5 + 12 mcg/h × 2.4: the latest diary day, not the one before it.
    assert _medication(world) == {"baseline": 30, "latest": 43.8}


def test_a_diary_day_with_no_medicine_says_none_was_taken(world):
    record(world, "review", pgic=2)
    _diary(world, dt.date.today() - dt.timedelta(days=2), [])
    assert _medication(world) == {"baseline": 30, "latest": 0}


def test_what_the_practitioner_recorded_at_the_review_wins(world):
    record(world, "review", pgic=2, medications=OXYCODONE_10_TWICE)
    _diary(world, dt.date.today() - dt.timedelta(days=2), [])
    assert _medication(world) == {"baseline": 30, "latest": 30}


def test_a_diary_day_two_weeks_before_the_review_is_not_used(world):
    record(world, "review", pgic=2)
    _diary(world, dt.date.today() - dt.timedelta(days=14), [])
    assert _medication(world) == {"baseline": 30, "latest": None}


def test_diary_medicines_in_the_course_documents_shape():
    assert course_medications(
        [
            {"medicine": "tramadol", "dose": 50.0, "unit": "mg", "times": 3},
            {"medicine": "fentanyl", "dose": 25.0, "unit": "mcg/h", "times": 1},
        ]
    ) == [
        {"name": "tramadol", "dose_mg": 50.0, "doses_per_day": 3},
        {"name": "fentanyl", "dose_mcg_per_hour": 25.0},
    ]
