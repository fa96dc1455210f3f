"""The questionnaires a patient answers themselves (in the portal) that are due now in
an episode. One definition, read by the portal's home page and by the reminders' scan,
so a reminder is sent for exactly what the portal asks for.

The schedule's "before each session" questionnaires are due for one booked appointment:
from `BEFORE_SESSION_HOURS` before it starts until it ends, while no session of the
episode is charted on its day or later (docs/portal.md, "Before each session")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from acucare.outcomes.models import BeforeSessionAnswer, MeasurementKind
from acucare.outcomes.progress import Progress, instruments_for
from acucare.patients.models import Episode, EpisodeStatus
from acucare.scheduling.models import HOLDS_TIME, Appointment

# Timepoints a patient answers in the portal; "session" is the before-session measure.
PATIENT_KINDS = (
    MeasurementKind.BASELINE,
    MeasurementKind.REVIEW,
    MeasurementKind.DISCHARGE,
    MeasurementKind.FOLLOWUP,
)
SESSION = "session"
KIND_TITLES = {
    MeasurementKind.BASELINE: "Before your care starts",
    MeasurementKind.REVIEW: "Your progress review",
    MeasurementKind.DISCHARGE: "At the end of your course",
    MeasurementKind.FOLLOWUP: "Follow-up",
    SESSION: "Before your next session",
}
# Two days: long enough for a reminder to reach the patient and be answered at home,
# short enough that the answer says how they are at the visit.
BEFORE_SESSION_HOURS = 48


@dataclass(frozen=True)
class DueQuestionnaire:
    episode: Episode
    kind: str
    title: str
    instruments: list[str]
    # Which occurrence of the timepoint this is: "start" for the baseline, the session
    # number of a review or discharge, the due date of a follow-up, the appointment
    # before a session. With the episode and kind it names the due questionnaire for
    # good (a reminder's once-only key).
    point: str = "start"
    appointment: Appointment | None = None  # the visit a before-session answer is for
    session: int | None = None  # the session it comes before


@dataclass(frozen=True)
class Appointments:
    """Patients' booked appointments in or near the before-session window, and those
    already answered for (read once for many episodes: `appointments_for`)."""

    now: dt.datetime
    by_patient: Mapping[int, Sequence[Appointment]] = field(default_factory=dict)
    answered: frozenset[int] = frozenset()


def appointments_for(patient_ids: Iterable[int], now: dt.datetime | None = None) -> Appointments:
    """The appointments the before-session window can reach now, in two queries."""
    now = now or timezone.now()
    rows = list(
        Appointment.objects.filter(
            patient_id__in=list(patient_ids),
            status__in=HOLDS_TIME,
            start__lte=now + dt.timedelta(hours=BEFORE_SESSION_HOURS),
            end__gt=now,
        ).order_by("start", "id")
    )
    by_patient: dict[int, list[Appointment]] = {}
    for row in rows:
        by_patient.setdefault(row.patient_id, []).append(row)
    answered = frozenset(
        BeforeSessionAnswer.objects.filter(appointment__in=rows).values_list(
            "appointment_id", flat=True
        )
    )
    return Appointments(now, by_patient, answered)


def in_window(appointment: Appointment, at: dt.datetime) -> bool:
    opens = appointment.start - dt.timedelta(hours=BEFORE_SESSION_HOURS)
    return opens <= at < appointment.end


def charted_on_or_after(progress: Progress, day: dt.date) -> bool:
    return any(s.date >= day for s in progress.course.sessions)


def questionnaires_due_now(
    progress: Progress, appointments: Appointments
) -> list[DueQuestionnaire]:
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
    before = _before_session(progress, appointments)
    if before is not None:
        found.append(before)
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


def _before_session(progress: Progress, appointments: Appointments) -> DueQuestionnaire | None:
    """The next session's measure, for the patient's first appointment in its window that
    is neither answered for nor charted."""
    if progress.discharged:
        return None
    due = next((d for d in progress.due if d.kind == SESSION and d.instruments), None)
    if due is None:
        return None
    for appointment in appointments.by_patient.get(progress.episode.patient_id, ()):
        if not in_window(appointment, appointments.now):
            continue
        if charted_on_or_after(progress, timezone.localdate(appointment.start)):
            continue
        if appointment.pk in appointments.answered:
            return None
        return DueQuestionnaire(
            progress.episode,
            SESSION,
            KIND_TITLES[SESSION],
            list(due.instruments),
            point=f"appointment-{appointment.public_id}",
            appointment=appointment,
            session=due.session,
        )
    return None
