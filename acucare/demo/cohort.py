"""Past courses for the clinic outcomes dashboard (`/analytics/`): enough finished
courses in each of four condition groups that its tables and plots show figures rather
than the small-number mark.

Each past patient is registered, assessed (the intake of a demo patient with the same
condition), planned and approved through the services, as the demo's other patients
are; the signed sessions are written in one bulk insert (copying the STRICTA details of
the template patient's first session) so the demo stays quick to load; the review
questionnaires, the signed review, the discharge and the follow-ups go through the
outcome services, so the review engine reads each course and keeps its outcome rows.

Fixed numbers, no randomness: course `i` has response `RESPONSES[i % 9]` and starts
`60 + 14 * i` days before the demo's `today`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from acucare.accounts.models import User
from acucare.assessments import services as assessments
from acucare.audit.services import audit_record
from acucare.core.actor import Actor, system_actor
from acucare.demo.outcomes import (
    Response,
    pain_after,
    pain_before,
    peg,
    record_discharge,
    record_review,
)
from acucare.outcomes import services as outcomes
from acucare.patients import services as patients
from acucare.patients.models import Episode, Patient
from acucare.treatment import services as treatment
from acucare.treatment.counts import recount_signed_sessions
from acucare.treatment.models import AdverseEvent, SessionStatus, TreatmentPlan, TreatmentSession

COHORT_MARKER = "past."  # their e-mail addresses start with it
# The demo patient whose intake each condition's past courses share.
TEMPLATES = {
    "M54.50": ("Osei", "Chronic low back pain"),
    "M17.11": ("Petrov", "Right knee osteoarthritis"),
    "M54.2": ("Rahman", "Neck pain"),
    "G43.909": ("Quint", "Migraine"),
}
RESPONSES: tuple[Response | None, ...] = (
    "responder",
    "slow",
    "responder",
    "none",
    "responder",
    "slow",
    "none",
    "responder",
    None,  # dropped out after three sessions, never reviewed
)
PER_CONDITION = 9
SESSIONS = 8
REVIEW_AT = 4
DAYS_BETWEEN = 7
GIVEN = ("Alex", "Blair", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper", "Indy")
FAMILY = ("Archer", "Brook", "Carter", "Dale", "Ellis", "Fox", "Grant", "Hayes", "Irving")


@dataclass(frozen=True)
class PastCourse:
    index: int
    code: str
    owner: str
    response: Response | None

    @property
    def email(self) -> str:
        from acucare.demo.loader import DEMO_MARKER

        return f"{COHORT_MARKER}{self.index:02d}@{DEMO_MARKER}"


def past_courses() -> list[PastCourse]:
    courses = []
    for c, code in enumerate(TEMPLATES):
        for k in range(PER_CONDITION):
            i = c * PER_CONDITION + k
            courses.append(
                PastCourse(i, code, ("dr.chen", "dr.okafor")[i % 2], RESPONSES[k % len(RESPONSES)])
            )
    return courses


def _template(code: str) -> tuple[Patient, TreatmentSession]:
    family, _complaint = TEMPLATES[code]
    patient = Patient.objects.get(family_name=family, email__endswith="demo.acucare.invalid")
    session = (
        TreatmentSession.objects.filter(plan__episode__patient=patient)
        .order_by("plan__created_at", "number")
        .first()
    )
    assert session is not None, f"the demo patient {family} has no session to copy"
    return patient, session


def load_past_courses(users: Mapping[str, User], today: dt.date) -> int:
    """Register and treat the past courses that are not there yet; how many were new."""
    from acucare.demo.loader import DEMO_GPS

    created = 0
    desk = system_actor(users["reception"])
    for course in past_courses():
        if Patient.objects.filter(email=course.email).exists():
            continue
        template, session = _template(course.code)
        patient = patients.patient_create(
            actor=desk,
            primary_practitioner=users[course.owner].public_id,
            demographics=patients.Demographics(
                given_name=GIVEN[course.index % len(GIVEN)],
                family_name=FAMILY[course.index // len(GIVEN) % len(FAMILY)] + " (past course)",
                date_of_birth=template.date_of_birth + dt.timedelta(days=37 * course.index),
                sex=("female", "male")[course.index % 2],
                email=course.email,
                **DEMO_GPS[course.index % len(DEMO_GPS)],
            ),
        )
        _treat(system_actor(users[course.owner]), course, patient, template, session, today)
        created += 1
    return created


def _treat(
    clinician: Actor,
    course: PastCourse,
    patient: Patient,
    template: Patient,
    session: TreatmentSession,
    today: dt.date,
) -> None:
    started = today - dt.timedelta(days=60 + 14 * course.index)
    intake = (
        template.episodes.get().assessments.filter(superseded_at__isnull=True).get().intake_document
    )
    episode = patients.episode_create(
        actor=clinician,
        patient_id=patient.public_id,
        complaint=TEMPLATES[course.code][1],
        started_on=started,
        conditions=[patients.ConditionInput(course.code, 30)],
        referral=patients.Referral(source="gp"),
    )
    assessments.assessment_create(
        actor=clinician, episode_id=episode.public_id, intake_document=intake
    )
    plan = treatment.plan_generate(actor=clinician, episode_id=episode.public_id)
    plan = treatment.plan_approve(actor=clinician, plan_id=plan.public_id, version=plan.version)
    when = dt.datetime.combine(started, dt.time(9), tzinfo=dt.UTC)
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        created_at=when, updated_at=when, approved_at=when
    )
    count = SESSIONS if course.response is not None else 3
    dates = [started + dt.timedelta(days=1 + DAYS_BETWEEN * n) for n in range(count)]
    _finish(clinician, course, episode, plan, session, dates, today)


def _sessions(
    clinician: Actor,
    plan: TreatmentPlan,
    template: TreatmentSession,
    course: PastCourse,
    dates: list[dt.date],
    first: int = 1,
) -> None:
    response: Response = course.response or "none"
    now = timezone.now()
    rows = []
    for number, date in enumerate(dates, start=first):
        before = pain_before(7, response, number)
        rows.append(
            TreatmentSession(
                plan=plan,
                number=number,
                date=date,
                modality=template.modality,
                points=template.points,
                needle=template.needle,
                electro_pairs=template.electro_pairs,
                retention_minutes=template.retention_minutes,
                needles_in=template.needles_in,
                needles_out=template.needles_out,
                co_interventions=template.co_interventions,
                pain_before=before,
                pain_after=pain_after(before, response, number),
                check_document=template.check_document,
                kb_version=template.kb_version,
                status=SessionStatus.SIGNED,
                signed_at=now,
                signed_by=clinician.user,
                created_by=clinician.user,
                updated_by=clinician.user,
                created_at=now,
                updated_at=now,
            )
        )
    TreatmentSession.objects.bulk_create(rows)
    recount_signed_sessions([plan.episode_id])
    bruised = first == 1 and course.index % 4 == 1  # a bruise at session 2, one course in four
    if bruised:
        second = TreatmentSession.objects.get(plan=plan, number=2)
        AdverseEvent.objects.create(
            session=second,
            seriousness="minor",
            mechanism="traumatic",
            type_code="haematoma",
            needed_treatment=False,
            duration_days=4,
            avoidable="unclear",
            modality="manual",
            reporter="practitioner",
            created_by=clinician.user,
        )
    _audit_sessions(clinician, plan, bruised=bruised, numbers=range(first, first + len(rows)))


def _audit_sessions(
    clinician: Actor, plan: TreatmentPlan, *, bruised: bool, numbers: range
) -> None:
    """The audit rows the session services write (charted, then signed), for the
    sessions written in bulk: the demo's audit log stays the record of every session."""
    patient = plan.episode.patient.public_id
    for session in TreatmentSession.objects.filter(plan=plan, number__in=list(numbers)):
        audit_record(
            actor=clinician,
            action="create",
            object_type="treatment_session",
            object_id=session.public_id,
            patient_id=patient,
            detail={
                "plan": str(plan.public_id),
                "number": session.number,
                "adverse_events": ["haematoma"] if bruised and session.number == 2 else [],
                "needles_in": session.needles_in,
                "needles_out": session.needles_out,
            },
        )
        audit_record(
            actor=clinician,
            action="update",
            object_type="treatment_session",
            object_id=session.public_id,
            patient_id=patient,
            detail={"change": "sign", "needle_mismatch_explained": False},
        )


def _finish(
    clinician: Actor,
    course: PastCourse,
    episode: Episode,
    plan: TreatmentPlan,
    template: TreatmentSession,
    dates: list[dt.date],
    today: dt.date,
) -> None:
    """The sessions up to the review, the review, the rest and the discharge, then the
    follow-ups that are due by `today`; a drop-out is discharged without a review."""
    if course.response is None:
        _sessions(clinician, plan, template, course, dates)
        outcomes.discharge_record(
            actor=clinician,
            episode_id=episode.public_id,
            reason="lost_to_follow_up",
            advice="Did not return after the third session; a letter offered a new appointment.",
            date=dates[-1] + dt.timedelta(days=21),
        )
        return
    review_on = dates[REVIEW_AT - 1]
    _sessions(clinician, plan, template, course, dates[:REVIEW_AT])
    record_review(
        clinician,
        episode,
        first=7,
        response=course.response,
        at=REVIEW_AT,
        date=review_on,
        signed=dt.datetime.combine(review_on, dt.time(17), tzinfo=dt.UTC),
    )
    _sessions(clinician, plan, template, course, dates[REVIEW_AT:], first=REVIEW_AT + 1)
    record_discharge(
        clinician, episode, first=7, response=course.response, last=SESSIONS, date=dates[-1]
    )
    for days in (91, 365):
        due = dates[-1] + dt.timedelta(days=days)
        if due <= today:
            outcomes.measurement_record(
                actor=clinician,
                episode_id=episode.public_id,
                kind="followup",
                scores={"peg": peg(pain_before(7, course.response, SESSIONS + 2))},
                date=due,
            )
