"""The one place this app reads assessments (app `acucare.assessments`): the episode's
current intake and screening, and the findings still waiting for acknowledgement."""

from __future__ import annotations

from typing import Any

from acucare.assessments import selectors
from acucare.assessments.models import Assessment
from acucare.core.actor import Actor
from acucare.patients.models import Episode

AssessmentLike = Assessment


def current_assessment(*, actor: Actor, episode: Episode) -> Assessment | None:
    return selectors.current_assessment(actor=actor, episode=episode)


def unacknowledged_findings(*, assessment: Assessment) -> list[dict[str, Any]]:
    return list(selectors.unacknowledged_findings(assessment=assessment))
