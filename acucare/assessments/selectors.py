"""Reads of assessments. Reads that show patient data append one audit event.

The interface the treatment app relies on (docs/clinic-app.md, "Assessments"):
`current_assessment(actor=, episode=)` and `unacknowledged_findings(assessment=)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects

from acucare.assessments.access import access_assessment
from acucare.assessments.models import Assessment, FindingAcknowledgement, ReferralOutcome
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain import referrals
from acucare.patients.access import access_episode
from acucare.patients.models import Episode
from acucare.patients.selectors import PatientChart


def current_assessment(*, actor: Actor, episode: Episode) -> Assessment | None:
    """The episode's latest assessment that no newer intake has superseded, or None.

    Checks the actor's access to the episode and records the read."""
    episode = access_episode(actor, episode.public_id, write=False)
    return current_assessment_of_checked(actor=actor, episode=episode)


def current_assessment_of_checked(*, actor: Actor, episode: Episode) -> Assessment | None:
    """`current_assessment` for a caller that reached `episode` (with its patient) through
    `acucare.patients.access` or a helper built on it in this request: the same read and
    audit event, without checking access a second time."""
    assessment = (
        Assessment.objects.filter(episode=episode, superseded_at__isnull=True)
        .select_related("created_by")
        .first()
    )
    if assessment is not None:
        assessment.episode = episode  # the caller's, read with its patient
    audit_record(
        actor=actor,
        action="read",
        object_type="assessment",
        object_id=assessment.public_id if assessment is not None else None,
        patient_id=episode.patient.public_id,
        detail={"episode": str(episode.public_id), "current": assessment is not None},
    )
    return assessment


def unacknowledged_findings(*, assessment: Assessment) -> list[dict[str, Any]]:
    """The assessment's `urgent` and `refer` findings that nobody has acknowledged yet,
    most severe first. An empty list means a plan may be approved against it."""
    return assessment.unacknowledged()


def referral_outcomes(*, assessment: Assessment) -> dict[str, referrals.ReferralOutcome]:
    """The latest recorded outcome of each referral the assessment asked for, by rule.
    The caller has reached `assessment` through the access helpers."""
    latest: dict[str, referrals.ReferralOutcome] = {}
    for row in ReferralOutcome.objects.filter(assessment=assessment).order_by("created_at", "id"):
        latest[row.rule] = referrals.ReferralOutcome(
            rule=row.rule,
            cleared=row.cleared,
            clinician=row.clinician,
            decided_on=row.decided_on,
            note=row.note,
        )
    return latest


def _with_acknowledgements() -> Prefetch[Any]:
    return Prefetch(
        "acknowledgements",
        queryset=FindingAcknowledgement.objects.select_related("created_by"),
    )


def assessment_detail(*, actor: Actor, assessment_id: uuid.UUID | str) -> Assessment:
    """One assessment with its acknowledgements (any, current or superseded)."""
    found = access_assessment(actor, assessment_id, write=False)
    assessment = (
        Assessment.objects.select_related("episode__patient", "created_by")
        .prefetch_related(_with_acknowledgements())
        .get(pk=found.pk)
    )
    audit_record(
        actor=actor,
        action="read",
        object_type="assessment",
        object_id=assessment.public_id,
        patient_id=assessment.episode.patient.public_id,
    )
    return assessment


@dataclass(frozen=True)
class EpisodeAssessments:
    episode: Episode
    assessments: list[Assessment]  # newest first; the first is current unless superseded

    @property
    def current(self) -> Assessment | None:
        first = self.assessments[0] if self.assessments else None
        return first if first is not None and first.is_current else None


def assessment_list(*, actor: Actor, episode_id: uuid.UUID | str) -> EpisodeAssessments:
    """Every assessment of an episode, newest first, in a fixed number of queries."""
    episode = access_episode(actor, episode_id, write=False)
    assessments = list(
        Assessment.objects.filter(episode=episode)
        .select_related("created_by")
        .prefetch_related(_with_acknowledgements())
    )
    for assessment in assessments:
        assessment.episode = episode  # already loaded; saves a query per row
    audit_record(
        actor=actor,
        action="list",
        object_type="assessment",
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "assessments": [str(a.public_id) for a in assessments],
        },
    )
    return EpisodeAssessments(episode, assessments)


def current_by_episode(episodes: Iterable[Episode]) -> dict[int, Assessment]:
    """The current assessment of each of these episodes, with the acknowledgements of
    those that have urgent or refer findings: one query, two when any has.

    For the patient chart, whose own selector has already checked access to these
    episodes and recorded the read of the chart; so no further audit event here. The
    chart shows the decision badge, the screening's link and date and (the chart summary's
    alerts) the findings still to acknowledge: only those columns are read, not the intake
    (the largest JSON), the rules applied or who made it, nor the acknowledgements'
    notes."""
    ids = [episode.pk for episode in episodes]
    if not ids:
        return {}
    current = list(
        Assessment.objects.filter(episode_id__in=ids, superseded_at__isnull=True).only(
            "public_id", "episode_id", "screening_document", "decision", "created_at"
        )
    )
    prefetch_related_objects(
        [a for a in current if a.to_acknowledge()],
        Prefetch(
            "acknowledgements",
            queryset=FindingAcknowledgement.objects.only("assessment_id", "rule"),
        ),
    )
    return {a.episode_id: a for a in current}


def chart_assessments(actor: Actor, chart: PatientChart) -> dict[int, Assessment]:
    """The patient chart's section: each episode's current assessment (its decision
    badge), for practitioners; the chart's selector checked access and audited the read."""
    return current_by_episode(chart.episodes) if chart.clinical else {}
