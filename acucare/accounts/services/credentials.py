"""Practitioner credentials: profession, licence, indemnity and certifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from acucare.accounts.models import (
    BaseProfession,
    Certification,
    PractitionerProfile,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_practitioner
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text


@dataclass(frozen=True)
class Credentials:
    base_profession: str = BaseProfession.ACUPUNCTURIST
    licence_title: str = ""
    licence_number: str = ""
    issuing_board: str = ""
    licence_expiry: dt.date | None = None
    certifications: Sequence[str] = ()
    degree: str = ""
    years_in_practice: int | None = None
    other_experience: str = ""
    cpd_hours_last_year: int | None = None
    indemnity_insurer: str = ""
    indemnity_expiry: dt.date | None = None
    premises_registration: str = ""
    scope_restrictions: str = ""


@transaction.atomic
def profile_update(*, actor: Actor, credentials: Credentials) -> PractitionerProfile:
    """A practitioner keeps their own credentials up to date."""
    require_practitioner(actor)
    if credentials.base_profession not in BaseProfession.values:
        raise InputError(
            "base_profession",
            f"'{credentials.base_profession}' is not recognised.",
            list(BaseProfession.values),
        )
    for index, code in enumerate(credentials.certifications):
        if code not in Certification.values:
            raise InputError(
                f"certifications[{index}]",
                f"'{code}' is not recognised.",
                list(Certification.values),
            )
    years = credentials.years_in_practice
    if years is not None and not 0 <= years <= 70:
        raise InputError(
            "years_in_practice", "Enter a number of years from 0 to 70.", {"min": 0, "max": 70}
        )
    profile, _ = PractitionerProfile.objects.select_for_update().get_or_create(
        user=actor.user, defaults={"created_by": actor.user, "updated_by": actor.user}
    )
    profile.base_profession = credentials.base_profession
    profile.licence_title = plain_text(credentials.licence_title, "licence_title", max_length=40)
    profile.licence_number = plain_text(credentials.licence_number, "licence_number", max_length=60)
    profile.issuing_board = plain_text(credentials.issuing_board, "issuing_board", max_length=200)
    profile.licence_expiry = credentials.licence_expiry
    profile.certifications = sorted(set(credentials.certifications))
    profile.degree = plain_text(credentials.degree, "degree", max_length=60)
    profile.years_in_practice = years
    profile.other_experience = plain_text(
        credentials.other_experience, "other_experience", max_length=2000, multiline=True
    )
    cpd = credentials.cpd_hours_last_year
    if cpd is not None and not 0 <= cpd <= 2000:
        raise InputError(
            "cpd_hours_last_year", "Enter hours from 0 to 2000.", {"min": 0, "max": 2000}
        )
    profile.cpd_hours_last_year = cpd
    profile.indemnity_insurer = plain_text(
        credentials.indemnity_insurer, "indemnity_insurer", max_length=200
    )
    profile.indemnity_expiry = credentials.indemnity_expiry
    profile.premises_registration = plain_text(
        credentials.premises_registration, "premises_registration", max_length=200
    )
    profile.scope_restrictions = plain_text(
        credentials.scope_restrictions, "scope_restrictions", max_length=2000, multiline=True
    )
    profile.stamp(actor.user)
    profile.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="practitioner_profile",
        object_id=actor.user.public_id,
    )
    return profile
