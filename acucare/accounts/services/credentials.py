"""Practitioner credentials: profession, licence, indemnity and certifications.

The licence, the indemnity cover and the scope of practice are checked by the clinic admin
(`credentials_verify`). A practitioner's own change to them takes effect at once only where it
cannot widen what they may do: a first entry of a field that is not an expiry date, or an
earlier expiry date. Every other change waits in `pending_changes` until the admin verifies
it: a later expiry above all, so an expired licence cannot be extended by its holder alone,
and a first expiry date too, because signing is refused while none is recorded
(`selectors.signing_refusal`) and a date typed in by its holder would lift that unchecked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from acucare.accounts.models import (
    BaseProfession,
    Certification,
    PractitionerProfile,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin, require_practitioner
from acucare.domain.errors import ConflictError, InputError
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
    guarded: dict[str, str | dt.date | None] = {
        "licence_title": plain_text(credentials.licence_title, "licence_title", max_length=40),
        "licence_number": plain_text(credentials.licence_number, "licence_number", max_length=60),
        "issuing_board": plain_text(credentials.issuing_board, "issuing_board", max_length=200),
        "licence_expiry": credentials.licence_expiry,
        "indemnity_insurer": plain_text(
            credentials.indemnity_insurer, "indemnity_insurer", max_length=200
        ),
        "indemnity_expiry": credentials.indemnity_expiry,
        "scope_restrictions": plain_text(
            credentials.scope_restrictions, "scope_restrictions", max_length=2000, multiline=True
        ),
    }
    profile.base_profession = credentials.base_profession
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
    profile.premises_registration = plain_text(
        credentials.premises_registration, "premises_registration", max_length=200
    )
    applied, pending = _apply_guarded(profile, guarded)
    profile.stamp(actor.user)
    profile.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="practitioner_profile",
        object_id=actor.user.public_id,
        detail={"applied": applied, "awaiting_verification": pending}
        if applied or pending
        else None,
    )
    return profile


# The fields the clinic admin verifies, in the order the pages show them.
GUARDED_FIELDS = (
    "licence_title",
    "licence_number",
    "issuing_board",
    "licence_expiry",
    "indemnity_insurer",
    "indemnity_expiry",
    "scope_restrictions",
)
_DATES = frozenset({"licence_expiry", "indemnity_expiry"})


def _stored(value: str | dt.date | None) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or ""


def _takes_effect_now(field: str, current: object, proposed: str | dt.date | None) -> bool:
    """A first entry of a field other than an expiry, or an earlier expiry: neither widens
    what the practitioner may do. A first expiry date would (a missing one refuses signing)."""
    if field in _DATES:
        return isinstance(current, dt.date) and isinstance(proposed, dt.date) and proposed < current
    return current in (None, "")


def _apply_guarded(
    profile: PractitionerProfile, guarded: dict[str, str | dt.date | None]
) -> tuple[list[str], list[str]]:
    """Apply what may take effect now; keep the rest for the admin. Returns the names of
    the fields applied and of those now awaiting verification."""
    pending = dict(profile.pending_changes)
    applied: list[str] = []
    for field, proposed in guarded.items():
        current = getattr(profile, field)
        if proposed == current:
            pending.pop(field, None)  # back to the value in force: nothing to verify
        elif _takes_effect_now(field, current, proposed):
            setattr(profile, field, proposed)
            pending.pop(field, None)
            applied.append(field)
        else:
            pending[field] = _stored(proposed)
    if pending and pending != profile.pending_changes:
        profile.pending_since = timezone.now()
    elif not pending:
        profile.pending_since = None
    profile.pending_changes = pending
    return applied, sorted(pending)


def _value(field: str, stored: str) -> str | dt.date | None:
    if field in _DATES:
        return dt.date.fromisoformat(stored) if stored else None
    return stored


@transaction.atomic
def credentials_verify(
    *, actor: Actor, practitioner_id: uuid.UUID | str, seen: str, accept: bool = True
) -> PractitionerProfile:
    """The clinic admin has checked the practitioner's licence, indemnity and scope against
    the documents: the pending changes take effect (`accept`) or are declined. `seen` is the
    profile's last change time as the admin's page showed it: a change made since is not
    verified unseen."""
    require_admin(actor)
    profile = (
        PractitionerProfile.objects.select_for_update()
        .select_related("user")
        .filter(user__public_id=practitioner_id)
        .first()
    )
    if profile is None:
        raise Http404("No such practitioner.")
    if profile.updated_at.isoformat() != seen:
        raise ConflictError(
            "The practitioner changed their credentials after you opened the page; "
            "reload and check them again.",
            None,
        )
    changes: dict[str, list[str]] = {}
    if accept:
        for field, stored in profile.pending_changes.items():
            changes[field] = [_stored(getattr(profile, field)), stored]
            setattr(profile, field, _value(field, stored))
        profile.verified_at = timezone.now()
        profile.verified_by = actor.user
    elif not profile.pending_changes:
        raise InputError("action", "There are no changes awaiting verification to decline.")
    declined = sorted(profile.pending_changes) if not accept else []
    profile.pending_changes = {}
    profile.pending_since = None
    profile.stamp(actor.user)
    profile.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="practitioner_profile",
        object_id=profile.user.public_id,
        detail={"change": "verify", **changes}
        if accept
        else {"change": "decline", "declined": declined},
    )
    return profile
