"""A course of care for the outcome tests, built through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from acucare.accounts.models import User
from acucare.outcomes import services
from acucare.patients.models import Episode
from acucare.treatment.models import TreatmentPlan, TreatmentSession
from tests.assessments.factories import make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner
from tests.treatment.factories import make_plan, make_session

PEG_BASELINE = {"1": 7, "2": 6, "3": 8}


@dataclass
class CourseWorld:
    practitioner: User
    episode: Episode
    plan: TreatmentPlan
    sessions: list[TreatmentSession]


def make_course(
    practitioner: User | None = None,
    *,
    pains: tuple[tuple[int, int], ...] = ((7, 5), (6, 4), (6, 4), (5, 3), (4, 3), (3, 2)),
    start: dt.date | None = None,
) -> CourseWorld:
    """An approved low-back-pain plan with a PEG and PHQ-9 baseline at intake and one
    session per (pain before, pain after), a week apart, ending today."""
    practitioner = practitioner or make_practitioner()
    episode = make_episode(make_patient(practitioner))
    today = dt.date.today()
    first = start or today - dt.timedelta(days=7 * max(len(pains) - 1, 0))
    if episode.started_on > first:
        Episode.objects.filter(pk=episode.pk).update(started_on=first - dt.timedelta(days=1))
        episode.refresh_from_db()
    make_assessment(
        episode,
        questionnaires={"peg": PEG_BASELINE, "phq9": {str(i): 0 for i in range(1, 10)}},
    )
    plan = make_plan(episode, approve=True)
    sessions = [
        make_session(
            plan,
            date=(first + dt.timedelta(days=7 * i)).isoformat(),
            pain_before=before,
            pain_after=after,
            adverse_events=[],
        )
        for i, (before, after) in enumerate(pains)
    ]
    return CourseWorld(practitioner, episode, plan, sessions)


def record(world: CourseWorld, kind: str, **fields: Any) -> Any:
    fields.setdefault("scores", {"peg": {"1": 3, "2": 3, "3": 3}})
    return services.measurement_record(
        actor=actor(world.practitioner), episode_id=world.episode.public_id, kind=kind, **fields
    )
