"""The questionnaires a patient answers themselves (in the portal) that are due now in
an episode. One definition, read by the portal's home page and by the reminders' scan,
so a reminder is sent for exactly what the portal asks for."""

from __future__ import annotations

from dataclasses import dataclass

from acucare.outcomes.models import MeasurementKind
from acucare.outcomes.progress import Progress, instruments_for
from acucare.patients.models import Episode, EpisodeStatus

# Timepoints a patient answers in the portal (a session's own pain scores are taken at
# the session).
PATIENT_KINDS = (
    MeasurementKind.BASELINE,
    MeasurementKind.REVIEW,
    MeasurementKind.DISCHARGE,
    MeasurementKind.FOLLOWUP,
)
KIND_TITLES = {
    MeasurementKind.BASELINE: "Before your care starts",
    MeasurementKind.REVIEW: "Your progress review",
    MeasurementKind.DISCHARGE: "At the end of your course",
    MeasurementKind.FOLLOWUP: "Follow-up",
}


@dataclass(frozen=True)
class DueQuestionnaire:
    episode: Episode
    kind: str
    title: str
    instruments: list[str]
    # Which occurrence of the timepoint this is: "start" for the baseline, the session
    # number of a review or discharge, the due date of a follow-up. With the episode and
    # kind it names the due questionnaire for good (a reminder's once-only key).
    point: str = "start"


def questionnaires_due_now(progress: Progress) -> list[DueQuestionnaire]:
    """The questionnaires the episode's schedule asks the patient for now."""
    episode = progress.episode
    found: list[DueQuestionnaire] = []
    baseline_recorded = any(m.kind == MeasurementKind.BASELINE for m in progress.measurements)
    if (
        episode.status != EpisodeStatus.DISCHARGED
        and not baseline_recorded
        and progress.sessions_delivered == 0
    ):
        kind = MeasurementKind.BASELINE
        found.append(
            DueQuestionnaire(episode, kind, KIND_TITLES[kind], instruments_for(progress, kind))
        )
    for due in progress.due:
        if due.kind in PATIENT_KINDS and due.now and due.instruments:
            kind = MeasurementKind(due.kind)
            point = due.due_on.isoformat() if due.due_on else f"session-{due.session or 0}"
            found.append(
                DueQuestionnaire(
                    episode, kind, KIND_TITLES[kind], list(due.instruments), point=point
                )
            )
    return found
