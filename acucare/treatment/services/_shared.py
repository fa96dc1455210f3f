"""What plan and session writes share: the episode's current intake, the rule that a
discharged episode takes no new treatment, and version stamping."""

from __future__ import annotations

import dataclasses

from acucare.core.actor import Actor
from acucare.domain.errors import InputError
from acucare.domain.intake import Intake, parse_intake
from acucare.kb import registry
from acucare.patients.models import Episode, EpisodeStatus
from acucare.treatment import assessments


def assessment_for(actor: Actor, episode: Episode) -> assessments.AssessmentLike:
    found = assessments.current_assessment(actor=actor, episode=episode)
    if found is None:
        raise InputError(
            "assessment",
            "This episode has no current assessment: record the intake and screening first.",
        )
    return found


def current_intake(found: assessments.AssessmentLike) -> Intake:
    """The assessment's intake, with the referrals a doctor has cleared since
    (acucare.domain.referrals): the session check follows them too."""
    intake = parse_intake(found.intake_document, registry(), prefix="intake.")
    return dataclasses.replace(
        intake, cleared_referrals=assessments.cleared_referrals(assessment=found)
    )


def require_open(episode: Episode) -> None:
    if episode.status == EpisodeStatus.DISCHARGED:
        raise InputError(
            "episode",
            "This episode is discharged: reopen it (change its status) before planning or "
            "charting treatment.",
        )


# --- Plans ------------------------------------------------------------------------------
