"""The one place this app reads assessments (app `acucare.assessments`): the episode's
current intake and screening, and the findings still waiting for acknowledgement."""

from __future__ import annotations

from typing import Any

from acucare.assessments import selectors
from acucare.assessments.models import Assessment
from acucare.core.actor import Actor
from acucare.domain import referrals
from acucare.domain.screening import Screening
from acucare.patients.models import Episode

AssessmentLike = Assessment


def current_assessment(*, actor: Actor, episode: Episode) -> Assessment | None:
    """The episode's current assessment; `episode` was reached through the access helpers
    (every treatment service reads it through `acucare.treatment.access` or
    `acucare.patients.access` first), so access is not checked again. The read is audited."""
    return selectors.current_assessment_of_checked(actor=actor, episode=episode)


def screening_for_planning(*, assessment: Assessment, screening: Screening) -> Screening:
    """The screening as the recorded referral outcomes leave it (a referral cleared by a
    doctor no longer makes the plan `referral_required`; acucare.domain.referrals)."""
    outcomes = selectors.referral_outcomes(assessment=assessment)
    return referrals.follow_referral_outcomes(screening, outcomes)


def cleared_referrals(*, assessment: Assessment) -> frozenset[str]:
    """The `refer` findings whose referral a doctor has cleared (latest answer counts)."""
    outcomes = selectors.referral_outcomes(assessment=assessment)
    return frozenset(rule for rule, outcome in outcomes.items() if outcome.cleared)


def unacknowledged_findings(*, assessment: Assessment) -> list[dict[str, Any]]:
    return list(selectors.unacknowledged_findings(assessment=assessment))
