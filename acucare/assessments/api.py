"""Assessments over JSON: the same services, selectors and access rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict

from acucare.accounts.submissions import request_key
from acucare.assessments import selectors, services
from acucare.assessments.models import Assessment, Decision, FindingAcknowledgement
from acucare.assessments.questions import RED_FLAG_QUESTIONS
from acucare.assessments.services import NOTE_MAX_LENGTH
from acucare.core.actor import actor_from_request
from acucare.core.api_errors import errors
from acucare.core.once import created_once
from acucare.domain.errors import InputError

router = Router(tags=["assessments"])

IDEMPOTENCY = (
    "Optional UUID. A repeated request with the same key creates nothing and answers 200 "
    "with what the first request created."
)


BASED_ON = (
    "Optional: the `public_id` of the current assessment your intake replaces, or `none` "
    "when you expect the episode to have none yet. If another intake was saved since, the "
    "request is refused with 409 instead of replacing it."
)
BASED_ON_PATTERN = (
    r"^(none|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})$"
)


class IntakeIn(BaseModel):
    """The intake document (`acucare.intake/1`, see spec/interfaces.md). Validated
    strictly by the clinical core: an unknown key, flag, site or code, or a number out
    of range, is 422 naming the field (`history[1]`, `questionnaires.phq9.9`)."""

    model_config = ConfigDict(extra="allow")

    format: str = Field(examples=["acucare.intake/1"])
    patient: dict[str, Any] = Field(examples=[{"age": 54, "sex": "female"}])
    conditions: list[Any] = Field(examples=[[{"icd10": "M54.50", "duration_weeks": 30}]])
    pregnancy: Any = None
    pain_sites: Any = None
    medications: Any = None
    history: Any = None
    limbs_at_risk: Any = None
    skin_lesion_sites: Any = None
    red_flags: Any = Field(
        description=(
            "Required: the red-flag questions were asked. Either the list of flags answered "
            "yes (`[]` when every answer was no), or an object answering every question "
            '`{"saddle_anaesthesia": false, …}`. An intake without it is refused (422), '
            "as the intake page refuses an unanswered question."
        ),
        examples=[[]],
    )
    questionnaires: Any = None
    preferences: Any = None
    consent: Any = Field(None, examples=[{"given_by": "patient"}])


class PersonRef(Schema):
    public_id: UUID
    name: str


class AcknowledgementIn(Schema):
    rule: Annotated[str, Field(min_length=1, max_length=100, examples=["cauda_equina"])]
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX_LENGTH)]


class AcknowledgementOut(Schema):
    public_id: UUID
    rule: str
    rule_version: int
    level: str
    note: str
    created_at: dt.datetime
    created_by: PersonRef


class AssessmentOut(Schema):
    public_id: UUID
    episode_id: UUID
    patient_id: UUID
    decision: str = Field(json_schema_extra={"enum": list(Decision.values)})
    kb_version: str
    rules_applied: list[str]
    intake: dict[str, Any] = Field(description="The normalised intake document")
    screening: dict[str, Any] = Field(description="The screening document")
    created_at: dt.datetime
    created_by: PersonRef
    superseded_at: dt.datetime | None
    current: bool
    acknowledgements: list[AcknowledgementOut]
    unacknowledged: list[str] = Field(
        description="Rules of urgent and refer findings still to acknowledge; empty means "
        "a plan may be approved"
    )


def acknowledgement_out(ack: FindingAcknowledgement) -> AcknowledgementOut:
    return AcknowledgementOut(
        public_id=ack.public_id,
        rule=ack.rule,
        rule_version=ack.rule_version,
        level=ack.level,
        note=ack.note,
        created_at=ack.created_at,
        created_by=PersonRef(public_id=ack.created_by.public_id, name=ack.created_by.display_name),
    )


def assessment_out(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut(
        public_id=assessment.public_id,
        episode_id=assessment.episode.public_id,
        patient_id=assessment.episode.patient.public_id,
        decision=assessment.decision,
        kb_version=assessment.kb_version,
        rules_applied=assessment.rules_applied,
        intake=assessment.intake_document,
        screening=assessment.screening_document,
        created_at=assessment.created_at,
        created_by=PersonRef(
            public_id=assessment.created_by.public_id, name=assessment.created_by.display_name
        ),
        superseded_at=assessment.superseded_at,
        current=assessment.is_current,
        acknowledgements=[acknowledgement_out(a) for a in assessment.acknowledgements.all()],
        unacknowledged=[
            str(f["rule"]) for f in selectors.unacknowledged_findings(assessment=assessment)
        ],
    )


def answered_red_flags(value: object) -> object:
    """The flags answered yes, from either form of `red_flags`; InputError when the
    questions were not asked (issue 14: a missing `red_flags` screened as proceed).
    A list is passed on for the clinical core to check each flag."""
    allowed = list(RED_FLAG_QUESTIONS)
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise InputError(f"red_flags.{unknown[0]}", "Not a red-flag question.", allowed)
        missing = [flag for flag in allowed if flag not in value]
        if missing:
            raise InputError(
                f"red_flags.{missing[0]}",
                f"Answer every red-flag question ({len(missing)} unanswered): true or false.",
                missing,
            )
        for flag in allowed:
            if not isinstance(value[flag], bool):
                raise InputError(f"red_flags.{flag}", "Answer true or false.", [True, False])
        return [flag for flag in allowed if value[flag]]
    raise InputError(
        "red_flags",
        "Required: ask every red-flag question; send the flags answered yes ([] for none) "
        "or an object answering each question true or false.",
        allowed,
    )


@router.get(
    "/episodes/{episode_id}/assessments",
    response={200: list[AssessmentOut], **errors(403, 404)},
    summary="An episode's assessments, newest first",
)
def list_assessments(request: HttpRequest, episode_id: UUID) -> list[AssessmentOut]:
    found = selectors.assessment_list(
        actor=actor_from_request(request, "api"), episode_id=episode_id
    )
    return [assessment_out(a) for a in found.assessments]


@router.post(
    "/episodes/{episode_id}/assessments",
    response={200: AssessmentOut, 201: AssessmentOut, **errors(403, 404, 409)},
    summary="Save an intake: screen it and make it the episode's current assessment",
)
def create_assessment(
    request: HttpRequest,
    episode_id: UUID,
    payload: IntakeIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
    based_on: Annotated[str | None, Query(description=BASED_ON, pattern=BASED_ON_PATTERN)] = None,
) -> Status[AssessmentOut]:
    actor = actor_from_request(request, "api")
    document = payload.model_dump(exclude_unset=True)
    document["red_flags"] = answered_red_flags(document.get("red_flags"))
    return created_once(
        lambda: services.assessment_create(
            actor=actor,
            episode_id=episode_id,
            intake_document=document,
            based_on=None if based_on in (None, "none") else UUID(based_on),
            check_based_on=based_on is not None,
            submission=request_key(request, idempotency_key),
        ),
        first=lambda public_id: selectors.assessment_detail(actor=actor, assessment_id=public_id),
        out=assessment_out,
    )


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, **errors(403, 404)},
    summary="One assessment with its screening and acknowledgements",
)
def get_assessment(request: HttpRequest, assessment_id: UUID) -> AssessmentOut:
    return assessment_out(
        selectors.assessment_detail(
            actor=actor_from_request(request, "api"), assessment_id=assessment_id
        )
    )


@router.post(
    "/assessments/{assessment_id}/acknowledgements",
    response={201: AcknowledgementOut, **errors(403, 404)},
    summary="Acknowledge an urgent or refer finding, with a note of what was done",
)
def acknowledge(
    request: HttpRequest, assessment_id: UUID, payload: AcknowledgementIn
) -> Status[AcknowledgementOut]:
    ack = services.finding_acknowledge(
        actor=actor_from_request(request, "api"),
        assessment_id=assessment_id,
        rule=payload.rule,
        note=payload.note,
    )
    return Status(201, acknowledgement_out(ack))
