"""What a practitioner's day holds, read in a fixed number of queries: today's
appointments with each patient's stage of care, sessions waiting for a signature,
screening findings waiting for an acknowledgement, and alerts about their credentials.

This app sits above every other one and nothing imports it. Reads go through the access
helpers; the page writes one `list` event naming what it showed (the diary's own list
event covers the appointments)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone

from acucare.assessments.models import Assessment, Decision
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_practitioner
from acucare.patients.access import visible_patients
from acucare.patients.models import Episode, EpisodeStatus
from acucare.portal.models import PortalAlert
from acucare.portal.selectors import open_alerts
from acucare.scheduling import selectors as scheduling
from acucare.scheduling.models import Appointment
from acucare.treatment.models import PlanStatus, SessionStatus, TreatmentPlan, TreatmentSession

REFERRAL_DECISIONS = (Decision.REFER_BEFORE_TREATMENT, Decision.URGENT_REFERRAL)
CREDENTIAL_WARNING_DAYS = 60


@dataclass(frozen=True)
class Stage:
    """Where a patient's current episode of care stands, in words, with the next step."""

    label: str
    next_step: str
    url: str = ""


@dataclass(frozen=True)
class AppointmentRow:
    appointment: Appointment
    stage: Stage


@dataclass(frozen=True)
class PendingFindings:
    assessment: Assessment
    count: int


@dataclass(frozen=True)
class Today:
    date: dt.date
    appointments: list[AppointmentRow]
    unsigned: list[TreatmentSession]
    findings: list[PendingFindings]
    alerts: list[str] = field(default_factory=list)
    # What patients reported in the portal that waits for acknowledgement (issue 11).
    patient_alerts: list[PortalAlert] = field(default_factory=list)


def _plans_by_episode(episodes: list[Episode]) -> dict[int, TreatmentPlan]:
    plans = (
        TreatmentPlan.objects.filter(episode__in=episodes)
        .exclude(status=PlanStatus.SUPERSEDED)
        .annotate(charted=Count("sessions"))
        .order_by("episode_id", "-created_at", "-id")
    )
    found: dict[int, TreatmentPlan] = {}
    for plan in plans:
        found.setdefault(plan.episode_id, plan)
    return found


def _stage(
    episode: Episode | None, assessment: Assessment | None, plan: TreatmentPlan | None
) -> Stage:
    if episode is None:
        return Stage("No open episode", "Open an episode of care")
    if assessment is None:
        return Stage(
            "New episode",
            "Record the intake and safety screening",
            f"/assessments/episodes/{episode.public_id}/intake/",
        )
    if plan is None:
        if assessment.decision in REFERRAL_DECISIONS:
            return Stage(
                "Referral needed",
                "See the screening: the referral comes first",
                f"/assessments/{assessment.public_id}/",
            )
        return Stage(
            "Screened", "Generate a care plan", f"/treatment/episodes/{episode.public_id}/"
        )
    if plan.referral_required:
        return Stage(
            "Waiting for the referral",
            "Record the doctor's answer on the screening, then generate a new plan",
            f"/assessments/{assessment.public_id}/",
        )
    if plan.status == PlanStatus.DRAFT:
        return Stage(
            "Plan to approve", "Review and approve the plan", f"/treatment/plans/{plan.public_id}/"
        )
    acupuncture = plan.acupuncture or {}
    course = acupuncture.get("sessions")
    charted = int(getattr(plan, "charted", 0))
    of = f" of {course}" if course else ""
    reviews = [
        r.get("after_session")
        for r in plan.document.get("reviews") or ()
        if isinstance(r.get("after_session"), int)
    ]
    due = [n for n in reviews if n == charted]
    step = (
        f"Review due: the plan reviews progress after session {due[0]}"
        if due
        else f"Chart session {charted + 1}{of}"
    )
    return Stage(
        f"In treatment: {charted} session{'s' if charted != 1 else ''}{of} charted",
        step,
        f"/treatment/plans/{plan.public_id}/",
    )


def _stages(patient_ids: set[int]) -> dict[int, Stage]:
    """Each patient's stage from their most recent open episode (three queries)."""
    episodes = list(
        Episode.objects.filter(patient_id__in=patient_ids)
        .exclude(status=EpisodeStatus.DISCHARGED)
        .order_by("patient_id", "-started_on", "-id")
    )
    latest: dict[int, Episode] = {}
    for episode in episodes:
        latest.setdefault(episode.patient_id, episode)
    chosen = list(latest.values())
    assessments = {
        a.episode_id: a
        for a in Assessment.objects.filter(episode__in=chosen, superseded_at__isnull=True)
    }
    plans = _plans_by_episode(chosen)
    return {
        patient: _stage(
            latest.get(patient),
            assessments.get(latest[patient].pk) if patient in latest else None,
            plans.get(latest[patient].pk) if patient in latest else None,
        )
        for patient in patient_ids
    }


def _alerts(actor: Actor, today: dt.date) -> list[str]:
    profile = getattr(actor.user, "practitioner_profile", None)
    if profile is None:
        return ["Your credentials are not recorded yet: add your licence on “My credentials”."]
    alerts: list[str] = []
    soon = today + dt.timedelta(days=CREDENTIAL_WARNING_DAYS)
    for label, expiry in (
        ("Your licence", profile.licence_expiry),
        ("Your indemnity cover", profile.indemnity_expiry),
    ):
        if expiry is None:
            alerts.append(f"{label}: no expiry date recorded.")
        elif expiry < today:
            alerts.append(f"{label} expired on {expiry:%-d %b %Y}.")
        elif expiry <= soon:
            alerts.append(f"{label} expires on {expiry:%-d %b %Y}.")
    return alerts


def practitioner_today(*, actor: Actor) -> Today:
    require_practitioner(actor)
    today = timezone.localdate()
    shown = scheduling.appointment_list(
        actor=actor, first_day=today, last_day=today, practitioner=actor.user.public_id
    )
    stages = _stages({a.patient_id for a in shown})
    patients = visible_patients(actor)
    unsigned = list(
        TreatmentSession.objects.filter(
            created_by=actor.user, status=SessionStatus.DRAFT, plan__episode__patient__in=patients
        )
        .select_related("plan__episode__patient")
        .order_by("date", "id")
    )
    pending = []
    for assessment in (
        Assessment.objects.filter(
            superseded_at__isnull=True,
            decision__in=REFERRAL_DECISIONS,
            episode__patient__in=patients,
        )
        .exclude(episode__status=EpisodeStatus.DISCHARGED)
        .select_related("episode__patient")
        .prefetch_related(Prefetch("acknowledgements"))
        .order_by("created_at", "id")
    ):
        count = assessment.unacknowledged_count
        if count:
            pending.append(PendingFindings(assessment, count))
    reported = list(open_alerts(actor=actor))
    audit_record(
        actor=actor,
        action="list",
        object_type="today",
        detail={
            "sessions": [str(s.public_id) for s in unsigned],
            "assessments": [str(p.assessment.public_id) for p in pending],
            "portal_alerts": [str(a.public_id) for a in reported],
        },
    )
    return Today(
        date=today,
        appointments=[AppointmentRow(a, stages[a.patient_id]) for a in shown],
        unsigned=unsigned,
        findings=pending,
        alerts=_alerts(actor, today),
        patient_alerts=reported,
    )
