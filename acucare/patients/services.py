"""Writes to patients and episodes. Each service is atomic, keyword-only, takes the
acting user, checks access through `acucare.patients.access`, and appends exactly one
audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from acucare.accounts import selectors as accounts
from acucare.accounts import submissions
from acucare.accounts.models import Role, User
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.dates import clinic_date
from acucare.domain.errors import ConflictError, InputError
from acucare.domain.text import plain_text
from acucare.patients.access import access_episode, access_patient
from acucare.patients.conditions import normalise_icd10, read_code
from acucare.patients.models import (
    Episode,
    EpisodeCondition,
    EpisodeStatus,
    Patient,
    PatientShare,
    ReferralSource,
    Sex,
)

DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "gp_name",
    "gp_practice",
    "gp_address",
    "gp_email",
)


@dataclass(frozen=True)
class Demographics:
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str = Sex.UNKNOWN
    preferred_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    # The patient's GP: whom letters and reports go to (docs/documents.md).
    gp_name: str = ""
    gp_practice: str = ""
    gp_address: str = ""
    gp_email: str = ""


_TEXT_LIMITS = {
    "given_name": 100,
    "family_name": 100,
    "preferred_name": 100,
    "phone": 40,
    "email": 254,
    "address": 1000,
    "gp_name": 200,
    "gp_practice": 200,
    "gp_address": 1000,
    "gp_email": 254,
}
_MULTILINE = frozenset({"address", "gp_address"})


def _email(value: str, field: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise InputError(field, "Enter a valid e-mail address, or leave it empty.") from exc
    return value


# Numbers written without a country code are read as the clinic's country's.
PHONE_REGION = "GB"


def _phone(text: str) -> str:
    """A phone number that can be dialled, checked with phonenumbers (Google's
    libphonenumber metadata) and written in the international form."""
    region = getattr(settings, "ACUCARE_PHONE_REGION", PHONE_REGION)
    message = (
        "Enter a phone number that can be dialled, e.g. 020 7946 0018 or, from abroad, "
        "+1 202 555 0143."
    )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InputError("phone", message) from exc
    if not phonenumbers.is_valid_number(number):
        raise InputError("phone", message)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _clean_demographics(data: Demographics, today: dt.date) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(data, name) for name in DEMOGRAPHIC_FIELDS}
    for name, limit in _TEXT_LIMITS.items():
        values[name] = plain_text(
            values[name], name, max_length=limit, multiline=name in _MULTILINE
        )
    for name in ("given_name", "family_name"):
        if not values[name]:
            raise InputError(name, "This field is required.")
    _email(values["email"], "email")
    _email(values["gp_email"], "gp_email")
    if not values["gp_name"] and any(values[n] for n in ("gp_practice", "gp_address", "gp_email")):
        raise InputError("gp_name", "Name the GP whose practice, address or e-mail you gave.")
    if values["phone"]:
        values["phone"] = _phone(values["phone"])
    if values["sex"] not in Sex.values:
        raise InputError("sex", f"'{values['sex']}' is not a recognised value.", list(Sex.values))
    born: dt.date = values["date_of_birth"]
    if born > today:
        raise InputError("date_of_birth", "The date of birth is in the future.")
    if born < today.replace(year=today.year - 125):
        raise InputError("date_of_birth", "The date of birth is more than 125 years ago.")
    return values


def _posted_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """A practitioner's id as posted, or None when it is missing or is not an id (a
    hand-made POST): the caller refuses it as it refuses an unknown practitioner."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _practitioner(public_id: uuid.UUID | str | None, field: str) -> User:
    users = accounts.active_practitioners()
    try:
        wanted = _posted_id(public_id)
        if wanted is None:
            raise ValueError(public_id)
        return users.get(public_id=wanted)
    except (get_user_model().DoesNotExist, ValueError, TypeError) as exc:
        raise InputError(
            field,
            "Choose an active practitioner.",
            [str(u.public_id) for u in users.order_by("id")],
        ) from exc


@transaction.atomic
def patient_create(
    *,
    actor: Actor,
    demographics: Demographics,
    primary_practitioner: uuid.UUID | None = None,
    submission: uuid.UUID | None = None,
) -> Patient:
    """Reception names the primary practitioner; a practitioner registers their own patient.
    `submission` is the form's once-only key (see `acucare.accounts.submissions`)."""
    if actor.role not in {Role.PRACTITIONER, Role.RECEPTION} or not actor.user.is_active:
        raise PermissionDenied("Your role does not give access to patient records.")
    claimed = submissions.claim(actor=actor, key=submission, object_type="patient")
    values = _clean_demographics(demographics, timezone.localdate())
    if actor.is_practitioner and primary_practitioner in (None, actor.user.public_id):
        owner = actor.user
    elif actor.is_practitioner:
        raise InputError(
            "primary_practitioner",
            "A practitioner registers patients for themselves; share the patient afterwards.",
            [str(actor.user.public_id)],
        )
    else:
        owner = _practitioner(primary_practitioner, "primary_practitioner")
    now = timezone.now()
    patient = Patient.objects.create(
        **values,
        primary_practitioner=owner,
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    submissions.created(
        claimed,
        actor=actor,
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
    )
    return patient


@transaction.atomic
def patient_update(
    *,
    actor: Actor,
    patient_id: uuid.UUID | str,
    version: int,
    demographics: Demographics,
    primary_practitioner: uuid.UUID | None = None,
) -> Patient:
    """Change demographics. `version` is the version the editor started from."""
    patient = access_patient(actor, patient_id, clinical=False, write=True)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.version != version:
        raise ConflictError(
            "Someone else changed this patient's details after you opened the form. "
            "Reload to see their changes, then make yours again.",
            patient.version,
        )
    values = _clean_demographics(demographics, timezone.localdate())
    changed = sorted(name for name, value in values.items() if getattr(patient, name) != value)
    if (
        primary_practitioner is not None
        and primary_practitioner != patient.primary_practitioner.public_id
    ):
        if not actor.is_reception:
            raise PermissionDenied("Reception reassigns patients between practitioners.")
        patient.primary_practitioner = _practitioner(primary_practitioner, "primary_practitioner")
        changed.append("primary_practitioner")
    for name, value in values.items():
        setattr(patient, name, value)
    patient.stamp(actor.user)
    patient.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail={"fields": changed},
    )
    return patient


@transaction.atomic
def patient_share(
    *, actor: Actor, patient_id: uuid.UUID | str, practitioner: uuid.UUID | str
) -> PatientShare:
    """The primary practitioner shares the patient with a colleague."""
    patient = access_patient(actor, patient_id, clinical=True, write=True)
    if patient.primary_practitioner_id != actor.user.pk:
        raise PermissionDenied("Only the primary practitioner shares a patient.")
    colleague = _practitioner(practitioner, "practitioner")
    if colleague.pk == actor.user.pk:
        raise InputError("practitioner", "You are already this patient's practitioner.")
    try:
        with transaction.atomic():
            share = PatientShare.objects.create(
                patient=patient, practitioner=colleague, created_by=actor.user
            )
    except IntegrityError as exc:
        raise InputError(
            "practitioner", "The patient is already shared with this practitioner."
        ) from exc
    audit_record(
        actor=actor,
        action="share",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail={"practitioner": str(colleague.public_id)},
    )
    return share


@transaction.atomic
def patient_unshare(
    *, actor: Actor, patient_id: uuid.UUID | str, practitioner: uuid.UUID | str
) -> None:
    patient = access_patient(actor, patient_id, clinical=True, write=True)
    if patient.primary_practitioner_id != actor.user.pk:
        raise PermissionDenied(
            "Only the primary practitioner changes who a patient is shared with."
        )
    wanted = _posted_id(practitioner)
    deleted = 0
    if wanted is not None:
        deleted, _ = PatientShare.objects.filter(
            patient=patient, practitioner__public_id=wanted
        ).delete()
    if not deleted:
        raise InputError("practitioner", "The patient is not shared with this practitioner.")
    audit_record(
        actor=actor,
        action="unshare",
        object_type="patient",
        object_id=patient.public_id,
        patient_id=patient.public_id,
        detail={"practitioner": str(wanted)},
    )


@dataclass(frozen=True)
class Referral:
    """Who referred an episode. `name`, `practice`, `address` and `email` describe a
    referring clinician (`source` "clinician"); a GP referral uses the patient's GP."""

    source: str = ReferralSource.SELF
    name: str = ""
    practice: str = ""
    address: str = ""
    email: str = ""


_REFERRER_LIMITS = {"name": 200, "practice": 200, "address": 1000, "email": 254}


def _clean_referral(referral: Referral, patient: Patient) -> dict[str, str]:
    """The episode's referral columns; errors name the API and form fields
    (`referral_source`, `referrer_name`, …)."""
    if referral.source not in ReferralSource.values:
        raise InputError(
            "referral_source",
            f"'{referral.source}' is not a referral source.",
            list(ReferralSource.values),
        )
    values = {
        f"referrer_{name}": plain_text(
            getattr(referral, name),
            f"referrer_{name}",
            max_length=limit,
            multiline=name == "address",
        )
        for name, limit in _REFERRER_LIMITS.items()
    }
    if referral.source == ReferralSource.CLINICIAN:
        if not values["referrer_name"]:
            raise InputError("referrer_name", "Name the clinician who referred the patient.")
        _email(values["referrer_email"], "referrer_email")
    else:
        if any(values.values()):
            field = next(name for name, value in values.items() if value)
            raise InputError(
                field,
                "Only a referral from another clinician names a referrer here; a GP "
                "referral uses the GP on the patient's details.",
            )
        if referral.source == ReferralSource.GP and not patient.gp_name:
            raise InputError(
                "referral_source",
                "The patient's details name no GP: add the GP to the patient's details first.",
                list(ReferralSource.values),
            )
    return {"referral_source": referral.source, **values}


@dataclass(frozen=True)
class ConditionInput:
    icd10: str
    duration_weeks: int | None = None


def _clean_conditions(conditions: Sequence[ConditionInput]) -> list[ConditionInput]:
    if not conditions:
        raise InputError(
            "conditions", "Record at least one condition (the first is the primary one)."
        )
    cleaned: list[ConditionInput] = []
    seen: set[str] = set()
    for index, condition in enumerate(conditions):
        code = normalise_icd10(condition.icd10, field=f"conditions[{index}].icd10")
        if read_code(code).condition_id is None:
            # The intake screens and plans only for conditions the knowledge base groups
            # (acucare.domain.intake refuses any other), so an episode opened with such a
            # code could never be assessed: refuse it here, with the reason.
            raise InputError(
                f"conditions[{index}].icd10",
                f"{code} is a valid ICD-10-CM code, but the knowledge base has no condition "
                "group for it, so acucare cannot screen or plan for it. Choose a code from "
                "the look-up below.",
            )
        if code in seen:
            raise InputError(f"conditions[{index}].icd10", f"{code} is listed twice.")
        seen.add(code)
        weeks = condition.duration_weeks
        if weeks is not None and not 0 <= weeks <= 5200:
            raise InputError(
                f"conditions[{index}].duration_weeks",
                "Duration must be between 0 and 5200 weeks.",
                {"min": 0, "max": 5200},
            )
        cleaned.append(ConditionInput(code, weeks))
    return cleaned


@transaction.atomic
def episode_create(
    *,
    actor: Actor,
    patient_id: uuid.UUID | str,
    complaint: str,
    conditions: Sequence[ConditionInput],
    started_on: dt.date | None = None,
    referral: Referral | None = None,
    submission: uuid.UUID | None = None,
) -> Episode:
    patient = access_patient(actor, patient_id, clinical=True, write=True)
    claimed = submissions.claim(actor=actor, key=submission, object_type="episode")
    complaint = plain_text(complaint, "complaint", max_length=200)
    if not complaint:
        raise InputError("complaint", "Describe the complaint in a few words.")
    referred = _clean_referral(referral or Referral(), patient)
    today = timezone.localdate()
    started_on = clinic_date(started_on or today, "started_on")
    if started_on > today:
        raise InputError("started_on", "An episode cannot start in the future.")
    cleaned = _clean_conditions(conditions)
    now = timezone.now()
    episode = Episode.objects.create(
        patient=patient,
        complaint=complaint,
        started_on=started_on,
        status=EpisodeStatus.ACTIVE,
        **referred,
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    EpisodeCondition.objects.bulk_create(
        EpisodeCondition(
            episode=episode, position=i, icd10=c.icd10, duration_weeks=c.duration_weeks
        )
        for i, c in enumerate(cleaned)
    )
    submissions.created(
        claimed,
        actor=actor,
        object_type="episode",
        object_id=episode.public_id,
        patient_id=patient.public_id,
        detail={
            "conditions": [c.icd10 for c in cleaned],
            "referral_source": referred["referral_source"],
        },
    )
    return episode


@transaction.atomic
def episode_update(
    *,
    actor: Actor,
    episode_id: uuid.UUID | str,
    version: int,
    complaint: str,
    status: str,
    ended_on: dt.date | None = None,
    referral: Referral | None = None,
) -> Episode:
    """Change an episode's complaint or status (e.g. put on hold, discharge), and who
    referred it when `referral` is given (None leaves the referral as it was)."""
    found = access_episode(actor, episode_id, write=True)
    episode = Episode.objects.select_for_update().select_related("patient").get(pk=found.pk)
    if episode.version != version:
        raise ConflictError(
            "Someone else changed this episode after you opened it. Reload and try again.",
            episode.version,
        )
    complaint = plain_text(complaint, "complaint", max_length=200)
    if not complaint:
        raise InputError("complaint", "Describe the complaint in a few words.")
    if status not in EpisodeStatus.values:
        raise InputError(
            "status", f"'{status}' is not an episode status.", list(EpisodeStatus.values)
        )
    if status == EpisodeStatus.DISCHARGED:
        ended_on = clinic_date(ended_on or timezone.localdate(), "ended_on")
        if ended_on < episode.started_on:
            raise InputError("ended_on", "The episode cannot end before it started.")
    else:
        ended_on = None
    referred = _clean_referral(referral, episode.patient) if referral is not None else {}
    before = {"complaint": episode.complaint, "status": episode.status}
    referral_changed = sorted(
        name for name, value in referred.items() if getattr(episode, name) != value
    )
    episode.complaint = complaint
    episode.status = status
    episode.ended_on = ended_on
    for name, value in referred.items():
        setattr(episode, name, value)
    episode.stamp(actor.user)
    episode.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="episode",
        object_id=episode.public_id,
        patient_id=episode.patient.public_id,
        detail={
            "before": before,
            "after": {"complaint": complaint, "status": status},
            "referral_fields": referral_changed,
        },
    )
    return episode


__all__ = [
    "ConditionInput",
    "Demographics",
    "Referral",
    "episode_create",
    "episode_update",
    "patient_create",
    "patient_share",
    "patient_unshare",
    "patient_update",
]
