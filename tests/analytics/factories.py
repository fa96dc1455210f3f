"""Courses with reviews and discharges for the dashboard tests, built through the outcome
services (so the per-course outcome rows are written as in use)."""

from __future__ import annotations

import datetime as dt

from acucare.accounts.models import User
from acucare.outcomes import services
from acucare.outcomes.models import Discharge
from acucare.treatment.counts import recount_signed_sessions
from acucare.treatment.models import SessionStatus, TreatmentSession
from tests.factories import actor
from tests.outcomes.factories import CourseWorld, make_course, record

RESPONDER = ((7, 5), (6, 4), (5, 3), (4, 3), (3, 2), (3, 2))
NON_RESPONDER = ((7, 6), (7, 7), (7, 6), (7, 7), (7, 6), (7, 7))


def reviewed_course(
    practitioner: User,
    *,
    responder: bool = True,
    discharge: bool = True,
    start: dt.date | None = None,
) -> CourseWorld:
    """Six signed sessions, a review with the PEG and PGIC, and a discharge."""
    world = make_course(practitioner, pains=RESPONDER if responder else NON_RESPONDER, start=start)
    TreatmentSession.objects.filter(plan=world.plan).update(status=SessionStatus.SIGNED)
    recount_signed_sessions([world.plan.episode_id])  # a bulk write, not session_sign
    peg = {"1": 3, "2": 2, "3": 3} if responder else {"1": 7, "2": 6, "3": 8}
    record(world, "review", scores={"peg": peg}, pgic=2 if responder else 4)
    who = actor(practitioner)
    services.review_record(
        actor=who,
        episode_id=world.episode.public_id,
        decision="continue" if responder else "stop",
        reason="Reviewed with the patient.",
    )
    if discharge:
        last = world.sessions[-1].date
        services.discharge_record(
            actor=who,
            episode_id=world.episode.public_id,
            reason="goals_met" if responder else "patient_choice",
            advice="Keep walking every day, Mrs Example.",
            date=last,
        )
    return world


def discharged_on(world: CourseWorld) -> dt.date:
    return Discharge.objects.get(episode=world.episode).date
