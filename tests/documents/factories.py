"""Episodes at the points where each document can be written, built through the services."""

from __future__ import annotations

from django.http.response import HttpResponseBase

from acucare.documents.jobs import sign_document
from acucare.jobs.models import JobRun
from acucare.outcomes import services as outcomes
from acucare.patients.models import Episode
from tests.assessments.factories import make_assessment
from tests.factories import actor, make_episode, make_patient, make_practitioner
from tests.outcomes.factories import CourseWorld, make_course, record

GP = {
    "gp_name": "Dr Helen Okafor",
    "gp_practice": "Riverside Medical Practice",
    "gp_address": "2 Riverside Walk\nDemo Town",
    "gp_email": "riverside@practice.example",
}


def with_gp(episode: Episode) -> Episode:
    patient = episode.patient
    for name, value in GP.items():
        setattr(patient, name, value)
    type(patient).objects.filter(pk=patient.pk).update(**GP)
    return episode


def referred_episode() -> Episode:
    """An episode whose screening found a red flag that needs the GP (weight loss)."""
    practitioner = make_practitioner()
    episode = with_gp(
        make_episode(make_patient(practitioner, given_name="Ada", family_name="Moreno"))
    )
    make_assessment(episode, red_flags=["unexplained_weight_loss"])
    return episode


def reviewed_course() -> CourseWorld:
    """Six sessions, a review measurement and a signed review (continue)."""
    world = make_course()
    with_gp(world.episode)
    record(world, "review", pgic=2)
    outcomes.review_record(
        actor=actor(world.practitioner),
        episode_id=world.episode.public_id,
        decision="continue",
        reason="Pain and function are improving; keep to the plan.",
    )
    return world


def discharged_course() -> CourseWorld:
    world = reviewed_course()
    record(world, "discharge", pgic=2)
    outcomes.discharge_record(
        actor=actor(world.practitioner),
        episode_id=world.episode.public_id,
        reason="goals_met",
        advice="Keep walking every day and use the stretches you were shown.",
    )
    return world


def run_signing(queued: HttpResponseBase) -> JobRun:
    """Run the signing a document page queued (its answer redirects to the signing's
    page), as a worker would."""
    run_id = queued["Location"].rstrip("/").rsplit("/", 1)[1]
    sign_document.call(run_id)
    return JobRun.objects.get(public_id=run_id)
