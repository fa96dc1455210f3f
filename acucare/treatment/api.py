"""Plans and sessions over JSON: the same services, selectors and access rules as the
pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from acucare.accounts.models import User
from acucare.accounts.submissions import request_key
from acucare.core.actor import actor_from_request
from acucare.core.api_errors import errors
from acucare.core.once import created_once
from acucare.domain.errors import InputError
from acucare.treatment import selectors, services
from acucare.treatment.charting import (
    AdverseEventRecord,
    CoInterventionRecord,
    ElectroPair,
    NeedleRecord,
    PointEdit,
    PointRecord,
    SessionRecord,
)
from acucare.treatment.models import (
    AdverseEvent,
    PlanStatus,
    SessionAmendment,
    SessionStatus,
    TreatmentPlan,
    TreatmentSession,
)

router = Router(tags=["treatment"])

IDEMPOTENCY = (
    "Optional UUID. A repeated request with the same key creates nothing and answers 200 "
    "with what the first request created."
)
VERSION = "The `version` you read; a stale version is refused with 409."


class UserRef(Schema):
    public_id: UUID
    name: str


def _user(user: User | None) -> UserRef | None:
    return _user_ref(user) if user else None


def _user_ref(user: User) -> UserRef:
    return UserRef(public_id=user.public_id, name=user.display_name)


class PlanOut(Schema):
    public_id: UUID
    episode_id: UUID
    assessment_id: UUID
    status: str = Field(json_schema_extra={"enum": list(PlanStatus.values)})
    referral_required: bool
    kb_version: str
    protocol: str = Field(description="`id@version` of the protocol; empty without one")
    rules: list[str]
    version: int
    created_at: dt.datetime
    created_by: UserRef
    approved_at: dt.datetime | None
    approved_by: UserRef | None
    document: dict[str, Any] = Field(description="The plan document (`acucare.plan/1`)")


def plan_out(record: TreatmentPlan) -> PlanOut:
    return PlanOut(
        public_id=record.public_id,
        episode_id=record.episode.public_id,
        assessment_id=record.assessment.public_id,
        status=record.status,
        referral_required=record.referral_required,
        kb_version=record.kb_version,
        protocol=record.protocol,
        rules=record.rules,
        version=record.version,
        created_at=record.created_at,
        created_by=_user_ref(record.created_by),
        approved_at=record.approved_at,
        approved_by=_user(record.approved_by),
        document=record.document,
    )


class PointRef(Schema):
    code: Annotated[str, Field(min_length=1, max_length=20)]
    side: str = Field(json_schema_extra={"enum": ["left", "right", "bilateral", "midline"]})


class PlanPatchIn(Schema):
    version: int = Field(description=VERSION)
    add: PointEdit | None = Field(None, description="A point to add (checked for safety)")
    remove: PointRef | None = Field(None, description="A point to remove")


class VersionIn(Schema):
    version: int = Field(description=VERSION)


class AdverseEventOut(AdverseEventRecord):
    public_id: UUID
    amendment_id: UUID | None = Field(
        None, description="The amendment that recorded it, when reported after signing"
    )


class AmendmentIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=300)]
    text: Annotated[str, Field(max_length=5000)] = Field(
        "", description="Required unless adverse events are recorded"
    )
    adverse_events: Annotated[list[AdverseEventRecord], Field(max_length=20)] = Field(
        [], description="Adverse events reported after the session was signed"
    )


class AmendmentOut(Schema):
    public_id: UUID
    session_id: UUID
    reason: str
    text: str
    created_at: dt.datetime
    created_by: UserRef
    adverse_events: list[AdverseEventOut]


class SessionOut(Schema):
    public_id: UUID
    plan_id: UUID
    number: int
    date: dt.date
    modality: str
    points: list[PointRecord]
    needle: NeedleRecord
    electro_pairs: list[ElectroPair]
    retention_minutes: int | None
    needles_in: int
    needles_out: int
    needle_count_explanation: str
    co_interventions: list[CoInterventionRecord]
    pain_before: int | None
    pain_after: int | None
    notes: str
    adverse_events: list[AdverseEventOut]
    check: dict[str, Any] = Field(description="The session check at charting time")
    kb_version: str
    status: str = Field(json_schema_extra={"enum": list(SessionStatus.values)})
    signed_at: dt.datetime | None
    signed_by: UserRef | None
    created_at: dt.datetime
    created_by: UserRef
    version: int
    amendments: list[AmendmentOut]


class SignIn(Schema):
    version: int = Field(description=VERSION)
    needles_out: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="The corrected count of needles removed, if it was wrong"
    )
    needle_count_explanation: Annotated[str, Field(max_length=2000)] = Field(
        "", description="Required when needles in and out differ"
    )


def _event_out(event: AdverseEvent) -> AdverseEventOut:
    return AdverseEventOut(
        public_id=event.public_id,
        seriousness=event.seriousness,
        mechanism=event.mechanism,
        type_code=event.type_code,
        description=event.description,
        needed_treatment=event.needed_treatment,
        duration_days=event.duration_days,
        avoidable=event.avoidable,
        modality=event.modality,
        reporter=event.reporter,
        amendment_id=event.amendment.public_id if event.amendment else None,
    )


def amendment_out(amendment: SessionAmendment, session: TreatmentSession) -> AmendmentOut:
    return AmendmentOut(
        public_id=amendment.public_id,
        session_id=session.public_id,
        reason=amendment.reason,
        text=amendment.text,
        created_at=amendment.created_at,
        created_by=_user_ref(amendment.created_by),
        adverse_events=[_event_out(e) for e in amendment.adverse_events.all()],
    )


def session_out(session: TreatmentSession) -> SessionOut:
    return SessionOut(
        public_id=session.public_id,
        plan_id=session.plan.public_id,
        number=session.number,
        date=session.date,
        modality=session.modality,
        points=session.points,
        needle=session.needle,
        electro_pairs=session.electro_pairs,
        retention_minutes=session.retention_minutes,
        needles_in=session.needles_in,
        needles_out=session.needles_out,
        needle_count_explanation=session.needle_count_explanation,
        co_interventions=session.co_interventions,
        pain_before=session.pain_before,
        pain_after=session.pain_after,
        notes=session.notes,
        adverse_events=[_event_out(e) for e in session.adverse_events.all()],
        check=session.check_document,
        kb_version=session.kb_version,
        status=session.status,
        signed_at=session.signed_at,
        signed_by=_user(session.signed_by),
        created_at=session.created_at,
        created_by=_user_ref(session.created_by),
        version=session.version,
        amendments=[amendment_out(a, session) for a in session.amendments.all()],
    )


# --- Plans ------------------------------------------------------------------------------


@router.get(
    "/episodes/{episode_id}/plans",
    response={200: list[PlanOut], **errors(403, 404)},
    summary="Treatment plans of an episode, newest first",
)
def list_plans(request: HttpRequest, episode_id: UUID) -> list[PlanOut]:
    plans = selectors.plan_list(actor=actor_from_request(request, "api"), episode_id=episode_id)
    return [plan_out(p) for p in plans]


@router.post(
    "/episodes/{episode_id}/plans",
    response={200: PlanOut, 201: PlanOut, **errors(403, 404, 409)},
    summary="Generate a plan from the episode's current assessment",
)
def create_plan(
    request: HttpRequest,
    episode_id: UUID,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[PlanOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.plan_generate(
            actor=actor, episode_id=episode_id, submission=request_key(request, idempotency_key)
        ),
        first=lambda public_id: selectors.plan_detail(actor=actor, plan_id=public_id),
        out=plan_out,
    )


@router.get("/plans/{plan_id}", response={200: PlanOut, **errors(403, 404)}, summary="One plan")
def get_plan(request: HttpRequest, plan_id: UUID) -> PlanOut:
    return plan_out(
        selectors.plan_detail(actor=actor_from_request(request, "api"), plan_id=plan_id)
    )


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanOut, **errors(403, 404, 409)},
    summary="Add or remove a point (one per request)",
)
def patch_plan(request: HttpRequest, plan_id: UUID, payload: PlanPatchIn) -> PlanOut:
    """Send `add` or `remove`, with the `version` you read. An added point is checked
    against the patient's screening; a blocked point is refused (422). Editing an
    approved plan returns it to draft."""
    actor = actor_from_request(request, "api")
    if (payload.add is None) == (payload.remove is None):
        raise InputError("add", "Send exactly one of `add` or `remove`.", ["add", "remove"])
    if payload.add is not None:
        record = services.plan_point_add(
            actor=actor,
            plan_id=plan_id,
            version=payload.version,
            point=payload.add.model_dump(),
        )
    else:
        assert payload.remove is not None
        record = services.plan_point_remove(
            actor=actor,
            plan_id=plan_id,
            version=payload.version,
            code=payload.remove.code,
            side=payload.remove.side,
        )
    return plan_out(record)


@router.post(
    "/plans/{plan_id}/approve",
    response={200: PlanOut, **errors(403, 404, 409)},
    summary="Approve a draft plan",
)
def approve_plan(request: HttpRequest, plan_id: UUID, payload: VersionIn) -> PlanOut:
    """Refused (422, field `findings`) while screening findings await acknowledgement."""
    record = services.plan_approve(
        actor=actor_from_request(request, "api"), plan_id=plan_id, version=payload.version
    )
    return plan_out(record)


# --- Sessions ---------------------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/sessions",
    response={200: list[SessionOut], **errors(403, 404)},
    summary="Sessions charted against a plan",
)
def list_sessions(request: HttpRequest, plan_id: UUID) -> list[SessionOut]:
    sessions = selectors.session_list(actor=actor_from_request(request, "api"), plan_id=plan_id)
    return [session_out(s) for s in sessions]


@router.post(
    "/plans/{plan_id}/sessions",
    response={200: SessionOut, 201: SessionOut, **errors(403, 404, 409)},
    summary="Chart a session (STRICTA 2010)",
)
def create_session(
    request: HttpRequest,
    plan_id: UUID,
    payload: SessionRecord,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[SessionOut]:
    """The session is checked against the patient's current screening; a session with a
    blocked point, pair or modality is refused whole (422)."""
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.session_create(
            actor=actor,
            plan_id=plan_id,
            record=payload,
            submission=request_key(request, idempotency_key),
        ),
        first=lambda public_id: selectors.session_detail(actor=actor, session_id=public_id),
        out=session_out,
    )


@router.get(
    "/sessions/{session_id}", response={200: SessionOut, **errors(403, 404)}, summary="One session"
)
def get_session(request: HttpRequest, session_id: UUID) -> SessionOut:
    return session_out(
        selectors.session_detail(actor=actor_from_request(request, "api"), session_id=session_id)
    )


@router.post(
    "/sessions/{session_id}/sign",
    response={200: SessionOut, **errors(403, 404, 409)},
    summary="Sign (lock) a session note",
)
def sign_session(request: HttpRequest, session_id: UUID, payload: SignIn) -> SessionOut:
    """Refused (422, field `needle_count_explanation`) while needles in and out differ
    without an explanation. Only the practitioner who charted the session signs it."""
    session = services.session_sign(
        actor=actor_from_request(request, "api"),
        session_id=session_id,
        version=payload.version,
        needles_out=payload.needles_out,
        explanation=payload.needle_count_explanation,
    )
    return session_out(session)


@router.post(
    "/sessions/{session_id}/amendments",
    response={200: AmendmentOut, 201: AmendmentOut, **errors(403, 404, 409)},
    summary="Amend a signed session",
)
def amend_session(
    request: HttpRequest,
    session_id: UUID,
    payload: AmendmentIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[AmendmentOut]:
    actor = actor_from_request(request, "api")

    def first(public_id: UUID) -> SessionAmendment:
        session = selectors.session_detail(actor=actor, session_id=session_id)
        return next(a for a in session.amendments.all() if a.public_id == public_id)

    return created_once(
        lambda: services.session_amend(
            actor=actor,
            session_id=session_id,
            reason=payload.reason,
            text=payload.text,
            adverse_events=payload.adverse_events,
            submission=request_key(request, idempotency_key),
        ),
        first=first,
        out=lambda amendment: amendment_out(amendment, amendment.session),
    )
