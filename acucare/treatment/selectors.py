"""Reads of plans and sessions; each read of patient data appends one audit event."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db.models import Count, Max, Prefetch, Q

from acucare.accounts.models import display_name_of
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.prepared import PreparedRead
from acucare.domain.errors import InputError
from acucare.domain.intake import Intake, parse_intake
from acucare.domain.text import search_text
from acucare.kb import registry
from acucare.kb.records.acupoints import Acupoint, resolve_point_code
from acucare.kb.records.citations import Citation
from acucare.patients.access import access_episode
from acucare.patients.models import Episode, Patient
from acucare.treatment import assessments
from acucare.treatment.access import access_plan, access_session
from acucare.treatment.models import (
    AdverseEvent,
    Seriousness,
    SessionAmendment,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)


def plan_detail(*, actor: Actor, plan_id: uuid.UUID | str) -> TreatmentPlan:
    record = access_plan(actor, plan_id, write=False)
    audit_record(
        actor=actor,
        action="read",
        object_type="treatment_plan",
        object_id=record.public_id,
        patient_id=record.episode.patient.public_id,
    )
    return record


def plan_list(*, actor: Actor, episode_id: uuid.UUID | str) -> list[TreatmentPlan]:
    episode = access_episode(actor, episode_id, write=False)
    plans = list(
        TreatmentPlan.objects.filter(episode=episode).select_related(
            "episode__patient", "assessment", "approved_by", "created_by"
        )
    )
    audit_record(
        actor=actor,
        action="list",
        object_type="treatment_plan",
        patient_id=episode.patient.public_id,
        detail={"episode": str(episode.public_id), "plans": [str(p.public_id) for p in plans]},
    )
    return plans


@dataclass(frozen=True)
class EpisodeTreatment:
    episode: Episode
    plans: Sequence[TreatmentPlan]  # newest first, each with `sessions_shown`: SessionRow


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One line of the episode page's sessions table: a plain row, not a model (a
    hundred-session course built two hundred model instances, the signers included)."""

    public_id: uuid.UUID
    number: int
    date: dt.date
    pain_before: int | None
    pain_after: int | None
    needles_in: int
    needles_out: int
    needle_mismatch: bool
    signed: bool
    signed_by_name: str
    amendment_count: int
    adverse_event_count: int
    serious_event_count: int


# A session's adverse events and its serious ones, counted in the query that reads it.
_EVENT_COUNTS = {
    "adverse": Count("adverse_events", distinct=True),
    "serious": Count(
        "adverse_events", filter=Q(adverse_events__seriousness="serious"), distinct=True
    ),
}

_ROW_COLUMNS = (
    "plan_id",
    "public_id",
    "number",
    "date",
    "pain_before",
    "pain_after",
    "needles_in",
    "needles_out",
    "status",
    "signed_by__first_name",
    "signed_by__last_name",
    "signed_by__username",
)


# The treatment page's two reads, on every view of it: compiled once
# (`acucare.core.prepared`).
_SESSION_TABLE_ROWS: PreparedRead[tuple[Any, ...]] = PreparedRead(
    lambda ids: (
        TreatmentSession.objects.filter(plan_id__in=ids)
        .order_by("number", "id")
        .values_list(*_ROW_COLUMNS)
        .annotate(amended=Count("amendments", distinct=True), **_EVENT_COUNTS)
    )
)
_PLANS_OF_EPISODE: PreparedRead[TreatmentPlan] = PreparedRead(
    lambda pk: TreatmentPlan.objects.filter(episode_id=pk).select_related(
        "assessment", "approved_by", "created_by"
    )
)


def _session_rows(plans: Sequence[TreatmentPlan]) -> dict[int, list[SessionRow]]:
    """Each plan's sessions as table rows with their amendment and adverse-event counts,
    in one query. Only what the table shows: the charted points, needles and checks are
    JSON a hundred-session course would decode (and group by) for nothing."""
    shown: dict[int, list[SessionRow]] = {p.pk: [] for p in plans}
    if not shown:
        return shown
    for row in _SESSION_TABLE_ROWS(ids=list(shown)):
        (plan_id, public_id, number, date, before, after, needles_in, needles_out, status) = row[:9]
        first, last, username, amended, adverse, serious = row[9:]
        # The signer's name as User.display_name gives it (an unsigned session: no signer).
        name = display_name_of(username or "", first or "", last or "")
        shown[plan_id].append(
            SessionRow(
                public_id=public_id,
                number=number,
                date=date,
                pain_before=before,
                pain_after=after,
                needles_in=needles_in,
                needles_out=needles_out,
                needle_mismatch=needles_in != needles_out,
                signed=status == SessionStatus.SIGNED,
                signed_by_name=name,
                amendment_count=amended,
                adverse_event_count=adverse,
                serious_event_count=serious,
            )
        )
    return shown


def episode_treatment(*, actor: Actor, episode_id: uuid.UUID | str) -> EpisodeTreatment:
    """The episode's plans with their sessions (and amendment counts), in fixed queries."""
    episode = access_episode(actor, episode_id, write=False)
    plans = _PLANS_OF_EPISODE(pk=episode.pk)
    shown = _session_rows(plans)
    for plan in plans:
        plan.sessions_shown = shown[plan.pk]  # type: ignore[attr-defined]
    audit_record(
        actor=actor,
        action="list",
        object_type="treatment_session",
        patient_id=episode.patient.public_id,
        detail={
            "episode": str(episode.public_id),
            "plans": [str(p.public_id) for p in plans],
            "sessions": [str(s.public_id) for p in plans for s in shown[p.pk]],
        },
    )
    return EpisodeTreatment(episode, plans)


@dataclass(frozen=True)
class CoursePosition:
    next_number: int
    planned: int | None  # the protocol's number of sessions
    due_reviews: list[dict[str, Any]]  # the plan's reviews due at the next session


def course_position(*, plan: TreatmentPlan) -> CoursePosition:
    """Where the next session falls in the planned course, and the reviews due then (for a
    plan already read through `plan_detail`)."""
    charted = plan.sessions.aggregate(last=Max("number"))["last"] or 0
    following = charted + 1
    acupuncture = plan.acupuncture or {}
    planned = acupuncture.get("sessions")
    # A review "after session n" is due as session n ends and before session n + 1.
    reviews = [
        r
        for r in plan.document.get("reviews", [])
        if r.get("after_session") in (charted, following)
    ]
    return CoursePosition(following, planned if isinstance(planned, int) else None, reviews)


def session_list(*, actor: Actor, plan_id: uuid.UUID | str) -> list[TreatmentSession]:
    record = access_plan(actor, plan_id, write=False)
    sessions = list(
        record.sessions.select_related("created_by", "signed_by").prefetch_related(
            Prefetch("adverse_events", queryset=AdverseEvent.objects.select_related("amendment")),
            Prefetch(
                "amendments",
                queryset=SessionAmendment.objects.select_related("created_by").prefetch_related(
                    Prefetch(
                        "adverse_events",
                        queryset=AdverseEvent.objects.select_related("amendment"),
                    )
                ),
            ),
        )
    )
    audit_record(
        actor=actor,
        action="list",
        object_type="treatment_session",
        patient_id=record.episode.patient.public_id,
        detail={"plan": str(record.public_id), "sessions": [str(s.public_id) for s in sessions]},
    )
    return sessions


def session_detail(*, actor: Actor, session_id: uuid.UUID | str) -> TreatmentSession:
    session = access_session(actor, session_id, write=False)
    audit_record(
        actor=actor,
        action="read",
        object_type="treatment_session",
        object_id=session.public_id,
        patient_id=session.plan.episode.patient.public_id,
    )
    return session


def session_amendments(session: TreatmentSession) -> list[SessionAmendment]:
    """The amendments of a session already read through `session_detail`."""
    return list(session.amendments.select_related("created_by").prefetch_related("adverse_events"))


# --- The knowledge base, for the pages (no patient data, no audit) ---------------------------


@dataclass(frozen=True)
class PointOption:
    code: str
    pinyin: str
    name_en: str
    region: str
    laterality: str
    cautions: tuple[str, ...]

    @property
    def sides(self) -> tuple[str, ...]:
        if self.laterality == "bilateral":
            return ("bilateral", "left", "right")
        return (self.laterality,)


def _option(point: Acupoint) -> PointOption:
    return PointOption(
        point.code,
        point.pinyin,
        point.name_en,
        point.region,
        point.laterality,
        tuple(c.kind for c in point.cautions),
    )


def search_points(query: str, *, limit: int = 20) -> list[PointOption]:
    """Points by code or alias (`BL-23`, `UB23`, `Yintang`), pinyin or English name."""
    text = " ".join(search_text(query).split()).lower()
    if not text:
        return []
    knowledge = registry()
    points = knowledge.of(Acupoint)
    found: list[PointOption] = []
    exact = resolve_point_code(knowledge, text)
    if exact is not None and exact in points:
        found.append(_option(points[exact]))
    for point in points.values():
        if len(found) >= limit:
            break
        if point.code == exact:
            continue
        names = [point.code, point.pinyin, point.name_en, *point.aliases]
        if any(text in name.lower() for name in names):
            found.append(_option(point))
    return found


def citation_entries(ids: list[str]) -> list[Citation]:
    """Bibliography entries for citation ids (unknown ids are skipped)."""
    citations = registry().of(Citation)
    return [citations[i] for i in dict.fromkeys(ids) if i in citations]


def resolve_point(text: str) -> str | None:
    return resolve_point_code(registry(), text)


def plan_intake(*, actor: Actor, plan: TreatmentPlan) -> Intake:
    """The intake of the episode's current assessment, for the live safety checks."""
    found = assessments.current_assessment(actor=actor, episode=plan.episode)
    if found is None:
        raise InputError(
            "assessment",
            "This episode has no current assessment: record the intake and screening first.",
        )
    intake = parse_intake(found.intake_document, registry(), prefix="intake.")
    # The live checks follow the referrals a doctor has cleared, as charting does.
    return dataclasses.replace(
        intake, cleared_referrals=assessments.cleared_referrals(assessment=found)
    )


def point_names() -> dict[str, Any]:
    return dict(registry().of(Acupoint))


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What a course's trajectory needs of one session: a plain row, not a model."""

    public_id: uuid.UUID
    number: int
    date: dt.date
    pain_before: int | None
    pain_after: int | None
    status: str
    adverse_event_count: int
    serious_event_count: int


_SUMMARY_COLUMNS = ("plan_id", "public_id", "number", "date", "pain_before", "pain_after", "status")

# `plans_by_episode`'s two reads, compiled once (`acucare.core.prepared`): every episode
# page and patient chart makes them. Unordered, sorted by the caller.
_PLANS_OF_EPISODES: PreparedRead[TreatmentPlan] = PreparedRead(
    lambda ids: (
        TreatmentPlan.objects.filter(episode_id__in=ids).select_related("assessment").order_by()
    )
)
_SESSION_SUMMARIES: PreparedRead[tuple[Any, ...]] = PreparedRead(
    lambda ids: (
        TreatmentSession.objects.filter(plan_id__in=ids)
        .order_by()
        .values_list(*_SUMMARY_COLUMNS, "adverse_events__seriousness")
    )
)


def plans_by_episode(episodes: list[Episode]) -> dict[int, list[TreatmentPlan]]:
    """The plans of these episodes (newest first), each with `sessions_shown`: its
    sessions as `SessionSummary` rows with their adverse-event counts, in two queries.

    For a page whose own selector has already checked access to these episodes and
    recorded the read (the patient chart, the outcomes page), so no audit event here. The
    sessions carry their number, date, pain scores and status only: not the charted
    points and checks, which a course's trajectory does not need; and they come as plain
    rows, as a hundred-session course builds a hundred model instances otherwise."""
    ids = [e.pk for e in episodes]
    if not ids:
        return {}
    # Unordered reads, sorted here (newest plan first, each plan's sessions by number,
    # which is unique in a plan): compiling the ORDER BY costs more than the sort.
    plans = sorted(
        _PLANS_OF_EPISODES(ids=ids),
        key=lambda p: (p.created_at, p.pk),
        reverse=True,
    )
    shown: dict[int, list[SessionSummary]] = {p.pk: [] for p in plans}
    # One row per adverse event (a session without any gives one row with None), counted
    # here: a GROUP BY with two COUNT(DISTINCT) cost more to compile and run than the few
    # extra rows of the sessions that have events.
    rows = sorted(_SESSION_SUMMARIES(ids=list(shown)), key=itemgetter(2))
    columns: dict[uuid.UUID, list[Any]] = {}  # by session, in the rows' order
    adverse: Counter[uuid.UUID] = Counter()
    serious: Counter[uuid.UUID] = Counter()
    for *fields, seriousness in rows:
        session = fields[1]
        columns.setdefault(session, fields)
        if seriousness is not None:
            adverse[session] += 1
            serious[session] += seriousness == Seriousness.SERIOUS
    for session, (plan_id, _, number, date, before, after, status) in columns.items():
        shown[plan_id].append(
            SessionSummary(
                session, number, date, before, after, status, adverse[session], serious[session]
            )
        )
    found: dict[int, list[TreatmentPlan]] = {i: [] for i in ids}
    for plan in plans:
        plan.sessions_shown = shown[plan.pk]  # type: ignore[attr-defined]
        found[plan.episode_id].append(plan)
    return found


def signed_sessions_of_patient(
    patient: Patient, limit: int | None = None
) -> list[TreatmentSession]:
    """The patient's signed sessions, newest first (the `limit` newest when given), with
    their adverse events (for the patient's own portal, which reached `patient` through
    `acucare.portal.access`)."""
    found = (
        TreatmentSession.objects.filter(plan__episode__patient=patient, status=SessionStatus.SIGNED)
        .select_related("plan__episode")
        .prefetch_related("adverse_events")
        .order_by("-date", "-number", "-id")
    )
    return list(found[:limit] if limit is not None else found)


def signed_session_of_patient(patient: Patient, public_id: uuid.UUID) -> TreatmentSession | None:
    """One signed session of the patient by public id, with its adverse events (one row
    and one prefetch), or None: another patient's session or an unsigned one is not theirs."""
    return (
        TreatmentSession.objects.filter(
            plan__episode__patient=patient, status=SessionStatus.SIGNED, public_id=public_id
        )
        .select_related("plan__episode")
        .prefetch_related("adverse_events")
        .first()
    )
