"""Patients and episodes over JSON: the same services, selectors and access rules as
the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status

from acucare.accounts.submissions import request_key
from acucare.core.actor import actor_from_request
from acucare.core.api_errors import errors
from acucare.core.once import created_once
from acucare.core.roles import require_practitioner
from acucare.domain.text import MAX_SEARCH_LENGTH
from acucare.patients import selectors, services
from acucare.patients.conditions import ConditionOption, search_conditions
from acucare.patients.models import (
    Episode,
    EpisodeCondition,
    EpisodeStatus,
    Patient,
    ReferralSource,
    Sex,
)

router = Router(tags=["patients"])


class PatientIn(Schema):
    given_name: Annotated[str, Field(min_length=1, max_length=100)]
    family_name: Annotated[str, Field(min_length=1, max_length=100)]
    preferred_name: Annotated[str, Field(max_length=100)] = ""
    date_of_birth: dt.date
    sex: str = Field("unknown", json_schema_extra={"enum": list(Sex.values)})
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    address: str = ""
    gp_name: Annotated[str, Field(max_length=200, description="The patient's GP")] = ""
    gp_practice: Annotated[str, Field(max_length=200)] = ""
    gp_address: str = ""
    gp_email: Annotated[str, Field(max_length=254)] = ""
    primary_practitioner: UUID | None = Field(
        None, description="Required for reception; a practitioner registers their own patients."
    )


class PatientUpdateIn(PatientIn):
    version: int = Field(description="The `version` you read; a stale version is refused with 409.")


class PractitionerRef(Schema):
    public_id: UUID
    name: str


class PatientOut(Schema):
    public_id: UUID
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str
    address: str
    gp_name: str
    gp_practice: str
    gp_address: str
    gp_email: str
    primary_practitioner: PractitionerRef
    version: int
    updated_at: dt.datetime


class PatientListOut(Schema):
    count: int
    page: int
    pages: int
    items: list[PatientOut]


class ConditionIn(Schema):
    icd10: Annotated[str, Field(min_length=3, max_length=10, examples=["M54.50"])]
    duration_weeks: Annotated[int, Field(ge=0, le=5200)] | None = None


class ConditionOut(Schema):
    icd10: str
    descriptor: str | None = Field(
        description="The code's descriptor, where the knowledge base lists it"
    )
    condition_id: str | None = Field(
        description="The knowledge-base condition group the code maps to"
    )
    condition_name: str | None
    duration_weeks: int | None


class ConditionOptionOut(Schema):
    icd10: str
    descriptor: str
    descriptor_verified: bool
    condition_id: str
    condition_name: str


class ReferralIn(Schema):
    referral_source: str = Field(
        "self",
        json_schema_extra={"enum": list(ReferralSource.values)},
        description="self, gp (the GP on the patient's details) or clinician (named below)",
    )
    referrer_name: Annotated[str, Field(max_length=200)] = ""
    referrer_practice: Annotated[str, Field(max_length=200)] = ""
    referrer_address: str = ""
    referrer_email: Annotated[str, Field(max_length=254)] = ""

    def referral(self) -> services.Referral:
        return services.Referral(
            source=self.referral_source,
            name=self.referrer_name,
            practice=self.referrer_practice,
            address=self.referrer_address,
            email=self.referrer_email,
        )


class EpisodeIn(ReferralIn):
    complaint: Annotated[str, Field(min_length=1, max_length=200)]
    started_on: dt.date | None = None
    conditions: Annotated[list[ConditionIn], Field(min_length=1, max_length=10)]


class EpisodeUpdateIn(Schema):
    complaint: Annotated[str, Field(min_length=1, max_length=200)]
    status: str = Field(json_schema_extra={"enum": list(EpisodeStatus.values)})
    ended_on: dt.date | None = None
    version: int = Field(description="The `version` you read; a stale version is refused with 409.")
    referral: ReferralIn | None = Field(
        None, description="Who referred the episode; leave it out to keep it as it is."
    )


class EpisodeOut(Schema):
    public_id: UUID
    patient_id: UUID
    complaint: str
    status: str
    started_on: dt.date
    ended_on: dt.date | None
    version: int
    conditions: list[ConditionOut]
    referral_source: str
    referrer_name: str
    referrer_practice: str
    referrer_address: str
    referrer_email: str


def patient_out(patient: Patient) -> PatientOut:
    return PatientOut(
        public_id=patient.public_id,
        given_name=patient.given_name,
        family_name=patient.family_name,
        preferred_name=patient.preferred_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        phone=patient.phone,
        email=patient.email,
        address=patient.address,
        gp_name=patient.gp_name,
        gp_practice=patient.gp_practice,
        gp_address=patient.gp_address,
        gp_email=patient.gp_email,
        primary_practitioner=PractitionerRef(
            public_id=patient.primary_practitioner.public_id,
            name=patient.primary_practitioner.display_name,
        ),
        version=patient.version,
        updated_at=patient.updated_at,
    )


def condition_out(condition: EpisodeCondition) -> ConditionOut:
    reading = condition.reading
    return ConditionOut(
        icd10=condition.icd10,
        descriptor=reading.descriptor,
        condition_id=reading.condition_id,
        condition_name=reading.condition_name,
        duration_weeks=condition.duration_weeks,
    )


def episode_out(episode: Episode) -> EpisodeOut:
    return EpisodeOut(
        public_id=episode.public_id,
        patient_id=episode.patient.public_id,
        complaint=episode.complaint,
        status=episode.status,
        started_on=episode.started_on,
        ended_on=episode.ended_on,
        version=episode.version,
        conditions=[condition_out(c) for c in episode.conditions.all()],
        referral_source=episode.referral_source,
        referrer_name=episode.referrer_name,
        referrer_practice=episode.referrer_practice,
        referrer_address=episode.referrer_address,
        referrer_email=episode.referrer_email,
    )


def _demographics(payload: PatientIn) -> services.Demographics:
    return services.Demographics(
        given_name=payload.given_name,
        family_name=payload.family_name,
        preferred_name=payload.preferred_name,
        date_of_birth=payload.date_of_birth,
        sex=payload.sex,
        phone=payload.phone,
        email=payload.email,
        address=payload.address,
        gp_name=payload.gp_name,
        gp_practice=payload.gp_practice,
        gp_address=payload.gp_address,
        gp_email=payload.gp_email,
    )


class ListQuery(Schema):
    q: Annotated[str, Field(max_length=MAX_SEARCH_LENGTH)] = ""
    page: Annotated[int, Field(ge=1)] = 1


@router.get(
    "/patients", response={200: PatientListOut, **errors(403)}, summary="Patients you may see"
)
def list_patients(request: HttpRequest, filters: Query[ListQuery]) -> PatientListOut:
    page = selectors.patient_list(
        actor=actor_from_request(request, "api"), query=filters.q, page=filters.page
    )
    return PatientListOut(
        count=page.total,
        page=page.page,
        pages=page.pages,
        items=[patient_out(p) for p in page.patients],
    )


IDEMPOTENCY = (
    "Optional UUID. A repeated request with the same key creates nothing and answers 200 "
    "with what the first request created."
)


@router.post(
    "/patients",
    response={200: PatientOut, 201: PatientOut, **errors(403, 409)},
    summary="Register a patient",
)
def create_patient(
    request: HttpRequest,
    payload: PatientIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[PatientOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.patient_create(
            actor=actor,
            demographics=_demographics(payload),
            primary_practitioner=payload.primary_practitioner,
            submission=request_key(request, idempotency_key),
        ),
        first=lambda public_id: selectors.patient_chart(actor=actor, patient_id=public_id).patient,
        out=patient_out,
    )


@router.get(
    "/patients/{patient_id}",
    response={200: PatientOut, **errors(403, 404)},
    summary="A patient's demographics",
)
def get_patient(request: HttpRequest, patient_id: UUID) -> PatientOut:
    chart = selectors.patient_chart(actor=actor_from_request(request, "api"), patient_id=patient_id)
    return patient_out(chart.patient)


@router.put(
    "/patients/{patient_id}",
    response={200: PatientOut, **errors(403, 404, 409)},
    summary="Change a patient's demographics",
)
def update_patient(request: HttpRequest, patient_id: UUID, payload: PatientUpdateIn) -> PatientOut:
    patient = services.patient_update(
        actor=actor_from_request(request, "api"),
        patient_id=patient_id,
        version=payload.version,
        demographics=_demographics(payload),
        primary_practitioner=payload.primary_practitioner,
    )
    return patient_out(patient)


@router.get(
    "/patients/{patient_id}/episodes",
    response={200: list[EpisodeOut], **errors(403, 404)},
    summary="Episodes of care",
)
def list_episodes(request: HttpRequest, patient_id: UUID) -> list[EpisodeOut]:
    episodes = selectors.episode_list(
        actor=actor_from_request(request, "api"), patient_id=patient_id
    )
    return [episode_out(e) for e in episodes]


@router.post(
    "/patients/{patient_id}/episodes",
    response={200: EpisodeOut, 201: EpisodeOut, **errors(403, 404, 409)},
    summary="Open an episode of care",
)
def create_episode(
    request: HttpRequest,
    patient_id: UUID,
    payload: EpisodeIn,
    idempotency_key: Annotated[
        UUID | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY)
    ] = None,
) -> Status[EpisodeOut]:
    actor = actor_from_request(request, "api")
    return created_once(
        lambda: services.episode_create(
            actor=actor,
            patient_id=patient_id,
            complaint=payload.complaint,
            started_on=payload.started_on,
            referral=payload.referral(),
            conditions=[
                services.ConditionInput(c.icd10, c.duration_weeks) for c in payload.conditions
            ],
            submission=request_key(request, idempotency_key),
        ),
        first=lambda public_id: selectors.episode_detail(actor=actor, episode_id=public_id),
        out=episode_out,
    )


@router.get(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, **errors(403, 404)},
    summary="One episode of care",
)
def get_episode(request: HttpRequest, episode_id: UUID) -> EpisodeOut:
    return episode_out(
        selectors.episode_detail(actor=actor_from_request(request, "api"), episode_id=episode_id)
    )


@router.put(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, **errors(403, 404, 409)},
    summary="Change an episode's status or complaint",
)
def update_episode(request: HttpRequest, episode_id: UUID, payload: EpisodeUpdateIn) -> EpisodeOut:
    episode = services.episode_update(
        actor=actor_from_request(request, "api"),
        episode_id=episode_id,
        version=payload.version,
        complaint=payload.complaint,
        status=payload.status,
        ended_on=payload.ended_on,
        referral=payload.referral.referral() if payload.referral else None,
    )
    return episode_out(episode)


class ConditionQuery(Schema):
    q: Annotated[str, Field(min_length=1, max_length=MAX_SEARCH_LENGTH)]


@router.get(
    "/conditions",
    response={200: list[ConditionOptionOut], **errors(403)},
    summary="Search ICD-10-CM codes",
)
def search_codes(request: HttpRequest, filters: Query[ConditionQuery]) -> list[ConditionOptionOut]:
    """By code prefix (`m54`, `M54.5`) or words of the descriptor or condition name."""
    require_practitioner(actor_from_request(request, "api"))

    def out(option: ConditionOption) -> ConditionOptionOut:
        return ConditionOptionOut(
            icd10=option.code,
            descriptor=option.descriptor,
            descriptor_verified=option.descriptor_verified,
            condition_id=option.condition_id,
            condition_name=option.condition_name,
        )

    return [out(o) for o in search_conditions(filters.q)]


class ShareIn(Schema):
    practitioner: UUID


@router.get(
    "/patients/{patient_id}/shares",
    response={200: list[PractitionerRef], **errors(403, 404)},
    summary="Practitioners the patient is shared with",
)
def list_shares(request: HttpRequest, patient_id: UUID) -> list[PractitionerRef]:
    shared = selectors.patient_shares(
        actor=actor_from_request(request, "api"), patient_id=patient_id
    )
    return [PractitionerRef(public_id=u.public_id, name=u.display_name) for u in shared]


@router.post(
    "/patients/{patient_id}/shares",
    response={201: PractitionerRef, **errors(403, 404)},
    summary="Share the patient with a colleague (primary practitioner only)",
)
def add_share(request: HttpRequest, patient_id: UUID, payload: ShareIn) -> Status[PractitionerRef]:
    share = services.patient_share(
        actor=actor_from_request(request, "api"),
        patient_id=patient_id,
        practitioner=payload.practitioner,
    )
    colleague = share.practitioner
    return Status(201, PractitionerRef(public_id=colleague.public_id, name=colleague.display_name))


@router.delete(
    "/patients/{patient_id}/shares/{practitioner_id}",
    response={204: None, **errors(403, 404)},
    summary="Stop sharing the patient with a colleague (primary practitioner only)",
)
def remove_share(request: HttpRequest, patient_id: UUID, practitioner_id: UUID) -> Status[None]:
    services.patient_unshare(
        actor=actor_from_request(request, "api"),
        patient_id=patient_id,
        practitioner=practitioner_id,
    )
    return Status(204, None)
