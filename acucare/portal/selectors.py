"""Reads for the portal: an invitation by its link, the chart's portal section, and the
patient's own home page."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from acucare.accounts import submissions
from acucare.accounts.models import User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.ids import parse_public_id
from acucare.core.prepared import PreparedRead
from acucare.domain import diary
from acucare.education.selectors import (
    EducationPageView,
    page_for_condition,
    pages_for_care_layer_groups,
)
from acucare.kb import registry
from acucare.kb.records.care_layers import CareLayer
from acucare.kb.records.citations import Citation
from acucare.outcomes import engine
from acucare.outcomes.diary_pain import DiaryPain
from acucare.outcomes.diary_record import DiaryMedicine, DiaryRecordDay
from acucare.outcomes.patient_due import (
    SESSION,
    Appointments,
    DueQuestionnaire,
    appointments_for,
    questionnaires_due_now,
)
from acucare.outcomes.progress import Progress
from acucare.outcomes.selectors import chart_progress
from acucare.patients.access import visible_patients
from acucare.patients.models import Episode, EpisodeStatus, Patient
from acucare.patients.selectors import PatientChart
from acucare.portal import tokens
from acucare.portal.access import portal_patient
from acucare.portal.models import (
    DiaryEntry,
    Invitation,
    PortalAccount,
    PortalAlert,
    invitation_open,
)
from acucare.reminders.selectors import reminders_wanted
from acucare.scheduling.models import Appointment, AppointmentStatus
from acucare.treatment import selectors as treatment_selectors
from acucare.treatment.models import PlanStatus, TreatmentSession


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, used or not (None for an unknown token)."""
    if not token or len(token) > 128:
        return None
    return Invitation.objects.select_related("patient").filter(digest=tokens.digest(token)).first()


def invitation_problem(invitation: Invitation | None, now: dt.datetime | None = None) -> str:
    """Why a link cannot be used, in the patient's words ("" when it can)."""
    if invitation is None:
        return "This invitation link is not valid. Ask the clinic to send you a new one."
    if invitation.used_at is not None:
        return (
            "This invitation link was already used. Sign in with your e-mail address and "
            "password, or ask the clinic to send you a new link."
        )
    if invitation.withdrawn_at is not None:
        return "The clinic has sent you a newer invitation. Use the link in the latest e-mail."
    if invitation.expires_at <= (now or timezone.now()):
        return "This invitation link has expired. Ask the clinic to send you a new one."
    return ""


def invitation_used_by(invitation: Invitation | None, user: User) -> bool:
    """Whether `invitation` was used and `user` is the portal account it opened (a second
    send of the set-password form from the browser the first send signed in)."""
    return (
        invitation is not None
        and invitation.used_at is not None
        and PortalAccount.objects.filter(patient=invitation.patient_id, user=user).exists()
    )


# How many of the patient's latest diary days the chart shows.
CHART_DIARY_DAYS = 7


@dataclass(frozen=True)
class OpenInvitation:
    """What staff see of the patient's latest invitation while it is open: when it was
    sent and until when (never its link: the token's digest is not even read)."""

    sent_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class ChartDiaryDay:
    """A row of the chart's diary table: what the patient wrote of a day after a session
    (the after-effects counted: the session records them as adverse events)."""

    day: dt.date
    session_number: int
    pain: int
    sleep_hours: Decimal
    sleep_quality: int
    mme_per_day: Decimal | None
    after_effects: int


@dataclass(frozen=True)
class PortalStatus:
    """The chart's portal section: whether the patient has an account, the latest
    invitation while it is open (for staff: its dates, never its link) and, for
    practitioners, the alerts the patient's reports raised that nobody has acknowledged
    yet."""

    has_account: bool
    signed_in_last: dt.datetime | None
    open_invitation: OpenInvitation | None
    open_alerts: list[PortalAlert]
    # The patient's latest diary days (practitioners only): pain, sleep, MME, after-effects.
    diary: list[ChartDiaryDay]


def _chart_diary(patient: Patient) -> list[ChartDiaryDay]:
    """The patient's latest diary days, in the columns the chart's table shows (the
    session's number, not its charted points, needles and checks)."""
    rows = (
        DiaryEntry.objects.filter(patient=patient)
        .order_by("-day", "-id")
        .values_list(
            "day",
            "session__number",
            "pain",
            "sleep_hours",
            "sleep_quality",
            "mme_per_day",
            "after_effects",
        )[:CHART_DIARY_DAYS]
    )
    return [
        ChartDiaryDay(day, number, pain, hours, quality, mme, len(after_effects))
        for day, number, pain, hours, quality, mme, after_effects in rows
    ]


def chart_portal(actor: Actor, chart: PatientChart) -> PortalStatus:
    """The chart reached the patient through `access_patient` and audited the read.

    The account and the latest invitation are one query of the columns shown: the
    patient's row joined to its (one-to-one) account's user and to its invitations,
    newest first, limited to one row (NULLs where there is no account or invitation)."""
    account, last_login, sent_at, expires_at, used_at, withdrawn_at = (
        Patient.objects.filter(pk=chart.patient.pk)
        .order_by("-invitations__created_at", "-invitations__id")
        .values_list(
            "portal_account__pk",
            "portal_account__user__last_login",
            "invitations__created_at",
            "invitations__expires_at",
            "invitations__used_at",
            "invitations__withdrawn_at",
        )
        .first()
    ) or (None,) * 6
    clinical = actor.is_practitioner and chart.clinical
    alerts = (
        # What an alert shows: its kind, when, what raised it, and its acknowledge link.
        list(
            PortalAlert.objects.filter(patient=chart.patient, acknowledged_at=None).only(
                "public_id", "kind", "detail", "raised_at"
            )
        )
        if clinical
        else []
    )
    diary_days = _chart_diary(chart.patient) if clinical and account is not None else []
    return PortalStatus(
        has_account=account is not None,
        signed_in_last=last_login,
        open_invitation=(
            OpenInvitation(sent_at, expires_at)
            # Both NULL when the patient has no invitation.
            if sent_at is not None
            and expires_at is not None
            and invitation_open(used_at, withdrawn_at, expires_at)
            else None
        ),
        open_alerts=alerts,
        diary=diary_days,
    )


def open_alerts(*, actor: Actor) -> QuerySet[PortalAlert]:
    """Unacknowledged alerts of the patients a practitioner looks after (their day page,
    which audits its own read)."""
    if not actor.is_practitioner:
        return PortalAlert.objects.none()
    return PortalAlert.objects.filter(
        acknowledged_at=None, patient__in=visible_patients(actor)
    ).select_related("patient")


def alert_for_acknowledgement(*, actor: Actor, alert_id: uuid.UUID | str) -> PortalAlert:
    """An alert a practitioner may acknowledge: one of a patient they look after (404
    for any other, as for the patient's chart)."""
    if not actor.is_practitioner or not actor.user.is_active:
        raise PermissionDenied("Only a practitioner acknowledges a patient's alert.")
    found = (
        PortalAlert.objects.select_related("patient")
        .filter(
            public_id=parse_public_id(alert_id, "alert"),
            patient__in=visible_patients(actor),
        )
        .first()
    )
    if found is None:
        raise Http404("No such alert.")
    return found


def _episodes(patient: Patient) -> list[Episode]:
    return list(patient.episodes.select_related("patient").order_by("-started_on", "-id"))


def due_questionnaires(*, actor: Actor) -> list[DueQuestionnaire]:
    """The questionnaires the patient's schedules ask for now, in every episode."""
    patient = portal_patient(actor)
    episodes = _episodes(patient)
    progress = chart_progress(episodes, charts=False) if episodes else {}
    visits = appointments_for([patient.pk])
    return [due for e in episodes for due in questionnaires_due_now(progress[e.pk], visits)]


def questionnaire_due(*, actor: Actor, episode_id: uuid.UUID | str, kind: str) -> DueQuestionnaire:
    """One due questionnaire of the patient's own episode: another patient's episode, or
    a timepoint that is not due, is "not found" (404)."""
    patient = portal_patient(actor)
    wanted = parse_public_id(episode_id, "questionnaire")
    episode = next((e for e in _episodes(patient) if e.public_id == wanted), None)
    if episode is None:
        raise Http404("No such questionnaire.")
    due = next(
        (
            d
            for d in questionnaires_due_now(
                chart_progress([episode], charts=False)[episode.pk], appointments_for([patient.pk])
            )
            if d.kind == kind
        ),
        None,
    )
    if due is None:
        raise Http404("No such questionnaire.")
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_questionnaire",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        detail={"kind": kind}
        | ({"appointment": str(due.appointment.public_id)} if due.appointment else {}),
    )
    return due


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    practitioner_name: str
    appointments: list[Appointment]
    due: list[DueQuestionnaire]
    # The schedule's "before each session" questionnaires, due before the next visit.
    before_session: list[BeforeSession]


def _upcoming(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, end__gt=timezone.now(), status=AppointmentStatus.BOOKED
        )
        .select_related("practitioner")
        .order_by("start", "id")
    )


def portal_home(*, actor: Actor) -> PortalHome:
    """The patient's own home page: who they see and their coming appointments."""
    patient = portal_patient(actor)
    upcoming = _upcoming(patient)
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_home",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    episodes = _episodes(patient)
    progress = chart_progress(episodes, charts=False) if episodes else {}
    in_course = [progress[e.pk] for e in episodes if not progress[e.pk].discharged]
    visits = appointments_for([patient.pk])
    return PortalHome(
        patient,
        patient.primary_practitioner.display_name,
        upcoming,
        [due for e in episodes for due in questionnaires_due_now(progress[e.pk], visits)],
        [b for p in in_course if (b := _before_session(p, upcoming, visits)) is not None],
    )


def questionnaire_resent(*, actor: Actor, key: str | None, kind: str = "") -> None:
    """Raise `DuplicateSubmission` when this form key already saved a questionnaire."""
    try:
        parsed = uuid.UUID(str(key)) if key else None
    except ValueError:
        return
    if parsed is not None:
        # Before-session answers are their own rows (`outcomes.BeforeSessionAnswer`).
        stored = "before_session" if kind == SESSION else "measurement"
        submissions.refuse_if_claimed(actor=actor, key=parsed, object_type=stored)


def reminder_settings(*, actor: Actor) -> tuple[Patient, bool]:
    """The signed-in patient and whether they receive e-mail reminders (audited read)."""
    patient = portal_patient(actor)
    audit_record(
        actor=actor,
        action="read",
        object_type="reminder_preference",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return patient, reminders_wanted(patient)


def portal_patients() -> QuerySet[Patient]:
    """Patients with an active portal account (those the reminders are for)."""
    return Patient.objects.filter(portal_account__user__is_active=True)


# --- The diary ------------------------------------------------------------------------


@dataclass(frozen=True)
class DiarySession:
    """A signed session with the diary days it asks about and what was written."""

    session: TreatmentSession
    entries: list[DiaryEntry]
    open_days: list[dt.date]  # days that can still be written (not in the future)

    @property
    def last_day(self) -> dt.date:
        return self.session.date + dt.timedelta(days=diary.DIARY_DAYS - 1)


def _diary_session(
    session: TreatmentSession, entries: list[DiaryEntry], today: dt.date
) -> DiarySession:
    written = {e.day for e in entries}
    days = [
        session.date + dt.timedelta(days=n)
        for n in range(diary.DIARY_DAYS)
        if session.date + dt.timedelta(days=n) <= today
    ]
    return DiarySession(session, entries, [d for d in days if d not in written])


def _entries_by_session(sessions: list[TreatmentSession]) -> dict[int, list[DiaryEntry]]:
    found: dict[int, list[DiaryEntry]] = {}
    for entry in DiaryEntry.objects.filter(session__in=sessions).order_by("day", "id"):
        found.setdefault(entry.session_id, []).append(entry)
    return found


def diary_sessions(*, actor: Actor, limit: int = 6) -> list[DiarySession]:
    """The patient's latest signed sessions with their diary (newest first), audited."""
    patient = portal_patient(actor)
    today = timezone.localdate()
    # The newest `limit` sessions and their diary days only, however long the course.
    sessions = treatment_selectors.signed_sessions_of_patient(patient, limit=limit)
    entries = _entries_by_session(sessions)
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_diary",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return [_diary_session(s, entries.get(s.pk, []), today) for s in sessions]


def diary_session(*, actor: Actor, session_id: uuid.UUID | str) -> DiarySession:
    """One of the patient's own signed sessions and its diary; any other is 404."""
    patient = portal_patient(actor)
    wanted = parse_public_id(session_id, "session")
    session = treatment_selectors.signed_session_of_patient(patient, wanted)
    if session is None:
        raise Http404("No such session.")
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_diary",
        object_id=session.public_id,
        patient_id=patient.public_id,
    )
    entries = list(DiaryEntry.objects.filter(session=session).order_by("day", "id"))
    return _diary_session(session, entries, timezone.localdate())


def diary_resent(*, actor: Actor, key: str | None) -> None:
    """Raise `DuplicateSubmission` when this form key already saved a diary day."""
    try:
        parsed = uuid.UUID(str(key)) if key else None
    except ValueError:
        return
    if parsed is not None:
        submissions.refuse_if_claimed(actor=actor, key=parsed, object_type="diary_entry")


# --- The patient's own view of their care --------------------------------------------

MODALITY_WORDS = {
    "manual_acupuncture": "Acupuncture: very fine, sterile, single-use needles placed at "
    "chosen points and left in for a short time.",
    "electroacupuncture": "Acupuncture with a gentle electrical current: very fine, sterile, "
    "single-use needles at chosen points, some joined to a small stimulator.",
    "auricular_acupuncture": "Ear acupuncture: very fine, sterile, single-use needles at "
    "chosen points of the ear.",
}


@dataclass(frozen=True)
class AfterEffectView:
    date: dt.date
    what: str  # the patient's words
    serious: bool
    advice: str
    sources: list[str]  # where the advice comes from, as a reader cites it


def _sources(ids: tuple[str, ...]) -> list[str]:
    known = registry().of(Citation)
    return [
        f"{c.authors} ({c.year}). {c.title}. {c.publisher}."
        for c in (known.get(i) for i in ids)
        if c is not None
    ]


@dataclass(frozen=True)
class BeforeSession:
    """Questionnaires the schedule asks for before the next session."""

    names: list[str]
    appointment: Appointment | None
    # Open to answer now (in the window before the appointment), else answered or not yet.
    due: DueQuestionnaire | None = None
    answered: bool = False  # answered for the next appointment already


@dataclass(frozen=True)
class CarePlanView:
    episode: Episode
    approved: bool
    referral: bool
    what: str
    sessions: int | None
    schedule: str
    delivered: int
    review_after: int | None  # the session after which the next review is
    review_on: dt.datetime | None  # the booked appointment of that session, if any
    layers: list[EducationPageView]
    evidence: EducationPageView | None
    progress: Progress
    before_session: BeforeSession | None


@dataclass(frozen=True)
class PortalCare:
    patient: Patient
    plans: list[CarePlanView]
    appointments: list[Appointment]
    after_effects: list[AfterEffectView]


def _layer_groups(components: list[dict[str, Any]]) -> list[str]:
    layers = registry().of(CareLayer)
    groups: list[str] = []
    for component in components:
        for ref in component.get("layers") or []:
            record = layers.get(str(ref).split("@")[0])
            if record is not None and record.group not in groups:
                groups.append(record.group)
    return groups


def _plan_view(
    progress: Progress, upcoming: list[Appointment], visits: Appointments
) -> CarePlanView:
    plan = progress.plan
    document: dict[str, Any] = plan.document if plan is not None else {}
    acupuncture = document.get("acupuncture") or {}
    review_after = progress.next_review
    ahead = review_after - progress.sessions_delivered if review_after is not None else None
    review_on = (
        upcoming[ahead - 1].start if ahead is not None and 0 < ahead <= len(upcoming) else None
    )
    condition = (document.get("condition") or {}).get("group")
    return CarePlanView(
        episode=progress.episode,
        approved=plan is not None and plan.status == PlanStatus.APPROVED,
        referral=document.get("status") == "referral_required",
        what=MODALITY_WORDS.get(str(acupuncture.get("modality")), ""),
        sessions=acupuncture.get("sessions")
        if isinstance(acupuncture.get("sessions"), int)
        else None,
        schedule=str(acupuncture.get("schedule") or ""),
        delivered=progress.sessions_delivered,
        review_after=review_after,
        review_on=review_on,
        layers=pages_for_care_layer_groups(_layer_groups(document.get("components") or [])),
        evidence=page_for_condition(str(condition)) if condition else None,
        progress=progress,
        before_session=_before_session(progress, upcoming, visits),
    )


def _before_session(
    progress: Progress, upcoming: list[Appointment], visits: Appointments
) -> BeforeSession | None:
    found = next((d for d in progress.due if d.kind == SESSION and d.instruments), None)
    if found is None:
        return None
    open_now = next(
        (d for d in questionnaires_due_now(progress, visits) if d.kind == SESSION), None
    )
    if open_now is not None:
        return BeforeSession(
            engine.instrument_names(found.instruments), open_now.appointment, open_now
        )
    nxt = upcoming[0] if upcoming else None
    return BeforeSession(
        engine.instrument_names(found.instruments),
        nxt,
        answered=nxt is not None and nxt.pk in visits.answered,
    )


def _after_effects(sessions: list[TreatmentSession]) -> list[AfterEffectView]:
    found: list[AfterEffectView] = []
    for session in sessions:
        for event in session.adverse_events.all():
            if event.seriousness == "expected_transient" and event.reporter != "patient":
                continue
            kind = next(
                (k for k in diary.AFTER_EFFECTS if k.type_code == event.type_code),
                diary.AFTER_EFFECT_KINDS["dizziness"]
                if event.type_code == "fainting"
                else diary.AFTER_EFFECT_KINDS["other"],
            )
            serious = event.seriousness == "serious"
            found.append(
                AfterEffectView(
                    session.date,
                    kind.label,
                    serious,
                    diary.SERIOUS_ADVICE if serious else kind.advice,
                    [] if serious else _sources(kind.citations),
                )
            )
    return found


def portal_care(*, actor: Actor) -> PortalCare:
    """The patient's own view: each episode's plan in plain words, the review, the care
    layers, the progress chart, appointments and after-effects (audited)."""
    patient = portal_patient(actor)
    upcoming = _upcoming(patient)
    episodes = [e for e in _episodes(patient) if e.status != EpisodeStatus.DISCHARGED] or _episodes(
        patient
    )[:1]
    progress = chart_progress(episodes) if episodes else {}
    audit_record(
        actor=actor,
        action="read",
        object_type="portal_care",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    visits = appointments_for([patient.pk])
    return PortalCare(
        patient,
        [_plan_view(progress[e.pk], upcoming, visits) for e in episodes],
        upcoming,
        _after_effects(treatment_selectors.signed_sessions_of_patient(patient)),
    )


# Read on every outcomes page and patient chart: compiled once (`acucare.core.prepared`).
_DIARY_PAIN_DAYS: PreparedRead[tuple[Any, ...]] = PreparedRead(
    lambda ids: DiaryEntry.objects.filter(session__plan_id__in=ids).values_list(
        "session__public_id", "day", "pain", "medicines"
    )
)


def diary_pain_days(plan_ids: Sequence[int]) -> list[DiaryPain]:
    """The diary's pain and pain medicines on the days after the sessions of these plans,
    for the outcomes pain chart and the course's medication outcome (registered in
    `PortalConfig.ready`; the page showing them audits its read)."""
    rows = _DIARY_PAIN_DAYS(ids=list(plan_ids))
    return [
        DiaryPain(str(session), day, pain, tuple(diary.course_medications(medicines)))
        for session, day, pain, medicines in rows
    ]


def diary_record_days(patient_pks: Sequence[int]) -> list[DiaryRecordDay]:
    """These patients' diary days for their FHIR record and archive, in one query
    (registered in `PortalConfig.ready`; the record's reader audits its read)."""
    rows = (
        DiaryEntry.objects.filter(patient_id__in=list(patient_pks))
        .order_by("day", "id")
        .values_list(
            "public_id",
            "patient_id",
            "session__public_id",
            "day",
            "pain",
            "sleep_hours",
            "sleep_quality",
            "medicines",
            "mme_per_day",
            "created_at",
        )
    )
    return [
        DiaryRecordDay(
            public_id=public_id,
            patient_pk=patient_pk,
            session_id=session_id,
            day=day,
            pain=pain,
            sleep_hours=float(sleep_hours),
            sleep_quality=sleep_quality,
            medicines=tuple(
                DiaryMedicine(str(m["medicine"]), float(m["dose"]), str(m["unit"]), int(m["times"]))
                for m in medicines
            ),
            mme_per_day=None if mme is None else float(mme),
            recorded_at=created_at,
        )
        for (
            public_id,
            patient_pk,
            session_id,
            day,
            pain,
            sleep_hours,
            sleep_quality,
            medicines,
            mme,
            created_at,
        ) in rows
    ]
