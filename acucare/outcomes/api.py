"""Outcomes over JSON: an episode's course and its review by the engine, measurements,
course reviews and the discharge — the same services, selectors and access rules as the
pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from acucare.core.actor import actor_from_request
from acucare.core.api_errors import InputErrorBody, errors
from acucare.core.once import created_once
from acucare.domain.errors import InputError
from acucare.outcomes import selectors, services
from acucare.outcomes.models import (
    CourseReview,
    Decision,
    Discharge,
    DischargeReason,
    Measurement,
    MeasurementKind,
)
from acucare.outcomes.progress import Progress

router = Router(tags=["outcomes"])

IDEMPOTENCY = (
    "Optional UUID. A repeated request with the same key creates nothing and answers 200 "
    "with what the first request created."
)


class TimepointOut(Schema):
    kind: str = Field(
        json_schema_extra={"enum": ["baseline", "session", "review", "discharge", "followup"]}
    )
    session: int | None
    days_after_discharge: int | None
    instruments: list[str]


class DueOut(Schema):
    kind: str
    label: str
    instruments: list[str]
    session: int | None
    due_on: dt.date | None
    now: bool


class MeasurementOut(Schema):
    public_id: UUID
    kind: str = Field(json_schema_extra={"enum": list(MeasurementKind.values)})
    session: int = Field(description="Sessions delivered in the episode when measured")
    date: dt.date
    scores: dict[str, dict[str, int]]
    pgic: int | None
    medications: list[dict[str, Any]]
    kb_version: str


class ReviewOut(Schema):
    public_id: UUID
    sessions_delivered: int
    recommended: str = Field(description="The engine's recommended action")
    decision: str = Field(json_schema_extra={"enum": list(Decision.values)})
    reason: str
    signed_at: dt.datetime
    signed_by: str
    review: dict[str, Any] = Field(description="The review document (`acucare.review/1`)")


class DischargeOut(Schema):
    public_id: UUID
    reason: str = Field(json_schema_extra={"enum": list(DischargeReason.values)})
    date: dt.date
    sessions_delivered: int
    primary_tier: str
    adverse_events: dict[str, Any]
    advice: str
    followups: list[dict[str, Any]]
    signed_by: str


class OutcomesOut(Schema):
    episode_id: UUID
    sessions_delivered: int
    planned_sessions: int | None
    next_review: int | None
    discharged: bool
    course: dict[str, Any] | None = Field(description="The course document (`acucare.course/1`)")
    review: dict[str, Any] | None = Field(description="The engine's review (`acucare.review/1`)")
    review_error: InputErrorBody | None
    schedule: list[TimepointOut]
    schedule_edited: bool
    due: list[DueOut]
    measurements: list[MeasurementOut]
    reviews: list[ReviewOut]
    discharge: DischargeOut | None


class MedicationIn(Schema):
    name: str
    dose_mg: float
    doses_per_day: float


class MeasurementIn(Schema):
    kind: str = Field(json_schema_extra={"enum": list(MeasurementKind.values)})
    scores: dict[str, dict[str, int]] = Field(default_factory=dict)
    pgic: int | None = None
    medications: list[MedicationIn] = Field(default_factory=list)
    date: dt.date | None = None


class ReviewIn(Schema):
    decision: str = Field(json_schema_extra={"enum": list(Decision.values)})
    reason: str


class DischargeIn(Schema):
    reason: str = Field(json_schema_extra={"enum": list(DischargeReason.values)})
    advice: str
    date: dt.date | None = None


def measurement_out(m: Measurement) -> MeasurementOut:
    return MeasurementOut(
        public_id=m.public_id,
        kind=m.kind,
        session=m.session,
        date=m.date,
        scores=m.scores,
        pgic=m.pgic,
        medications=m.medications,
        kb_version=m.kb_version,
    )


def review_out(r: CourseReview) -> ReviewOut:
    return ReviewOut(
        public_id=r.public_id,
        sessions_delivered=r.sessions_delivered,
        recommended=r.recommended,
        decision=r.decision,
        reason=r.reason,
        signed_at=r.signed_at,
        signed_by=r.signed_by.display_name,
        review=r.review_document,
    )


def discharge_out(d: Discharge) -> DischargeOut:
    return DischargeOut(
        public_id=d.public_id,
        reason=d.reason,
        date=d.date,
        sessions_delivered=d.sessions_delivered,
        primary_tier=d.primary_tier,
        adverse_events=d.adverse_events,
        advice=d.advice,
        followups=d.followups,
        signed_by=d.signed_by.display_name,
    )


def _error_body(error: InputError) -> InputErrorBody:
    allowed: list[Any] | dict[str, Any] | None
    if error.allowed is None or isinstance(error.allowed, dict):
        allowed = error.allowed
    else:
        allowed = list(error.allowed)
    return InputErrorBody(field=error.field, message=error.message, allowed=allowed)


def outcomes_out(p: Progress) -> OutcomesOut:
    error = p.review_error
    return OutcomesOut(
        episode_id=p.episode.public_id,
        sessions_delivered=p.sessions_delivered,
        planned_sessions=p.planned,
        next_review=p.next_review,
        discharged=p.discharged,
        course=p.document,
        review=p.review,
        review_error=_error_body(error) if error else None,
        schedule=[TimepointOut(**t) for t in p.schedule],
        schedule_edited=p.schedule_row is not None,
        due=[
            DueOut(
                kind=d.kind,
                label=d.label,
                instruments=list(d.instruments),
                session=d.session,
                due_on=d.due_on,
                now=d.now,
            )
            for d in p.due
        ],
        measurements=[measurement_out(m) for m in p.measurements],
        reviews=[review_out(r) for r in p.reviews],
        discharge=discharge_out(p.discharge) if p.discharge else None,
    )


@router.get(
    "/episodes/{episode_id}/outcomes",
    response={200: OutcomesOut, **errors(403, 404)},
    summary="An episode's course, its review by the engine, schedule, reviews and discharge",
)
def get_outcomes(request: HttpRequest, episode_id: UUID) -> OutcomesOut:
    actor = actor_from_request(request, "api")
    return outcomes_out(selectors.episode_progress(actor=actor, episode_id=episode_id))


def _find(request: HttpRequest, episode_id: UUID, public_id: UUID, kind: str) -> Any:
    progress = selectors.episode_progress(
        actor=actor_from_request(request, "api"), episode_id=episode_id
    )
    rows: list[Any]
    if kind == "measurement":
        rows = list(progress.measurements)
    elif kind == "review":
        rows = list(progress.reviews)
    else:
        rows = [progress.discharge] if progress.discharge else []
    return next(r for r in rows if r.public_id == public_id)


@router.post(
    "/episodes/{episode_id}/measurements",
    response={200: MeasurementOut, 201: MeasurementOut, **errors(403, 404, 409)},
    summary="Record the questionnaires of a timepoint (baseline, review, discharge, follow-up)",
)
def create_measurement(
    request: HttpRequest,
    episode_id: UUID,
    payload: MeasurementIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[MeasurementOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.measurement_record(
            actor=actor,
            episode_id=episode_id,
            kind=payload.kind,
            scores=payload.scores,
            pgic=payload.pgic,
            medications=[m.model_dump() for m in payload.medications],
            date=payload.date,
            submission=idempotency_key,
        ),
        first=lambda public_id: _find(request, episode_id, public_id, "measurement"),
        out=measurement_out,
    )


@router.post(
    "/episodes/{episode_id}/reviews",
    response={200: ReviewOut, 201: ReviewOut, **errors(403, 404, 409)},
    summary="Sign a course review: the engine's review now, with your decision and reason",
)
def create_review(
    request: HttpRequest,
    episode_id: UUID,
    payload: ReviewIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[ReviewOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.review_record(
            actor=actor,
            episode_id=episode_id,
            decision=payload.decision,
            reason=payload.reason,
            submission=idempotency_key,
        ),
        first=lambda public_id: _find(request, episode_id, public_id, "review"),
        out=review_out,
    )


@router.post(
    "/episodes/{episode_id}/discharge",
    response={200: DischargeOut, 201: DischargeOut, **errors(403, 404, 409)},
    summary="Discharge the episode; schedules the follow-ups and closes it to charting",
)
def create_discharge(
    request: HttpRequest,
    episode_id: UUID,
    payload: DischargeIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[DischargeOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.discharge_record(
            actor=actor,
            episode_id=episode_id,
            reason=payload.reason,
            advice=payload.advice,
            date=payload.date,
            submission=idempotency_key,
        ),
        first=lambda public_id: _find(request, episode_id, public_id, "discharge"),
        out=discharge_out,
    )
