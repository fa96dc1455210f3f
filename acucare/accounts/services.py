"""Writes to accounts: users and roles, clinic settings, credentials, two-factor
enrolment, sign-in bookkeeping and API tokens. Each service is atomic, keyword-only,
takes the acting user and appends exactly one audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from acucare.accounts import tokens, totp
from acucare.accounts.access import require_admin, require_practitioner
from acucare.accounts.actor import Actor
from acucare.accounts.models import (
    ApiToken,
    BaseProfession,
    Certification,
    Clinic,
    LoginAttempt,
    PractitionerProfile,
    Role,
    User,
)
from acucare.accounts.selectors import clinic_settings, login_locked_until
from acucare.audit.services import audit_record
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text

# ---------------------------------------------------------------- users and roles


def _user(public_id: uuid.UUID | str) -> User:
    try:
        return get_user_model().objects.get(public_id=public_id)  # type: ignore[no-any-return]
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise Http404("No such user.") from exc


def _touch(user: User, actor: Actor) -> None:
    user.updated_at = timezone.now()
    user.updated_by = actor.user


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InputError("role", f"'{role}' is not a role.", list(Role.values))


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    require_admin(actor)
    _check_role(role)
    username = plain_text(username, "username", max_length=150)
    first_name = plain_text(first_name, "first_name", max_length=150)
    last_name = plain_text(last_name, "last_name", max_length=150)
    email = plain_text(email, "email", max_length=254)
    if not username:
        raise InputError("username", "This field is required.")
    model = get_user_model()
    if model.objects.filter(username__iexact=username).exists():
        raise InputError("username", "That username is taken.")
    user: User = model(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        created_by=actor.user,
        updated_by=actor.user,
    )
    _validated_password(user, password, "password")
    user.set_password(password)
    user.save()
    if role == Role.PRACTITIONER:
        PractitionerProfile.objects.create(user=user, created_by=actor.user, updated_by=actor.user)
    audit_record(
        actor=actor,
        action="create",
        object_type="user",
        object_id=user.public_id,
        detail={"username": user.username, "role": role},
    )
    return user


@transaction.atomic
def user_change_role(*, actor: Actor, user_id: uuid.UUID | str, role: str) -> User:
    require_admin(actor)
    _check_role(role)
    user = _user(user_id)
    if user.pk == actor.user.pk and role != Role.ADMIN:
        raise InputError("role", "You cannot remove your own admin role; ask another admin.")
    previous = user.role
    if role != Role.PRACTITIONER and user.primary_patients.exists():
        raise InputError(
            "role",
            "This practitioner is still the primary practitioner of patients; "
            "ask reception to reassign them first.",
        )
    user.role = role
    _touch(user, actor)
    user.save(update_fields=["role", "updated_at", "updated_by"])
    if role == Role.PRACTITIONER:
        PractitionerProfile.objects.get_or_create(
            user=user, defaults={"created_by": actor.user, "updated_by": actor.user}
        )
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"role": {"from": previous, "to": role}},
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Actor, user_id: uuid.UUID | str, active: bool) -> User:
    """Deactivate (or reactivate) an account. Users are never deleted: the audit log
    and the records they wrote keep pointing at them."""
    require_admin(actor)
    user = _user(user_id)
    if user.pk == actor.user.pk and not active:
        raise InputError("active", "You cannot deactivate your own account.")
    user.is_active = active
    _touch(user, actor)
    user.save(update_fields=["is_active", "updated_at", "updated_by"])
    if not active:
        ApiToken.objects.filter(owner=user, revoked_at=None).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="activate" if active else "deactivate",
        object_type="user",
        object_id=user.public_id,
    )
    return user


def _validated_password(user: User, password: str, field: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InputError(field, " ".join(exc.messages)) from exc


@transaction.atomic
def password_change(*, actor: Actor, current: str, new: str) -> User:
    """A user changes their own password, proving they know the current one."""
    user = get_user_model().objects.select_for_update().get(pk=actor.user.pk)
    if not user.check_password(current):
        raise InputError("current_password", "Your current password is not correct.")
    if current == new:
        raise InputError("new_password", "Choose a password different from the current one.")
    _validated_password(user, new, "new_password")
    user.set_password(new)
    _touch(user, actor)
    user.save(update_fields=["password", "updated_at", "updated_by"])
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"change": "password"},
    )
    return user  # type: ignore[no-any-return]


@transaction.atomic
def user_set_password(*, actor: Actor, user_id: uuid.UUID | str, password: str) -> User:
    """The clinic admin sets a new password for a user who has forgotten theirs."""
    require_admin(actor)
    user = _user(user_id)
    _validated_password(user, password, "password")
    user.set_password(password)
    _touch(user, actor)
    user.save(update_fields=["password", "updated_at", "updated_by"])
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"change": "password set by admin"},
    )
    return user


@transaction.atomic
def user_clear_sign_in_lock(*, actor: Actor, user_id: uuid.UUID | str) -> int:
    """Forget a user's recent failed sign-ins (from any address), lifting their lock.
    Returns how many failures were cleared. The attempts remain in the audit log."""
    require_admin(actor)
    user = _user(user_id)
    cleared, _ = LoginAttempt.objects.filter(
        username=user.username.lower(), succeeded=False
    ).delete()
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"change": "sign-in lock cleared", "failures": cleared},
    )
    return cleared


def _store_two_factor(
    user: User,
    *,
    actor: Actor,
    secret: str,
    confirmed_at: dt.datetime | None,
    step: int | None,
    change: str,
) -> None:
    """Set (or clear) a user's TOTP enrolment and audit the change once."""
    user.totp_secret = secret
    user.totp_confirmed_at = confirmed_at
    user.totp_last_step = step
    _touch(user, actor)
    user.save(
        update_fields=[
            "totp_secret",
            "totp_confirmed_at",
            "totp_last_step",
            "updated_at",
            "updated_by",
        ]
    )
    audit_record(
        actor=actor,
        action="two_factor",
        object_type="user",
        object_id=user.public_id,
        detail={"change": change},
    )


@transaction.atomic
def user_reset_two_factor(*, actor: Actor, user_id: uuid.UUID | str) -> User:
    """For a lost phone: the user enrols again at their next sign-in."""
    require_admin(actor)
    user = _user(user_id)
    _store_two_factor(
        user, actor=actor, secret="", confirmed_at=None, step=None, change="reset by admin"
    )
    return user


# ---------------------------------------------------------------- clinic settings


@transaction.atomic
def clinic_update(*, actor: Actor, name: str, require_two_factor: bool) -> Clinic:
    require_admin(actor)
    name = plain_text(name, "name", max_length=200)
    if not name:
        raise InputError("name", "This field is required.")
    if require_two_factor and not actor.user.two_factor_enabled:
        raise InputError(
            "require_two_factor",
            "Enrol two-factor authentication for your own account before requiring it.",
        )
    row = Clinic.objects.select_for_update().get(pk=clinic_settings().pk)
    before = {"name": row.name, "require_two_factor": row.require_two_factor}
    row.name = name
    row.require_two_factor = require_two_factor
    row.updated_by = actor.user
    row.updated_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="clinic",
        detail={
            "before": before,
            "after": {"name": name, "require_two_factor": require_two_factor},
        },
    )
    return row


# ---------------------------------------------------------------- practitioner credentials


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
    profile.updated_by = actor.user
    profile.updated_at = timezone.now()
    profile.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="practitioner_profile",
        object_id=actor.user.public_id,
    )
    return profile


# ---------------------------------------------------------------- sign-in throttling


@transaction.atomic
def login_failed(
    *, username: str, ip_address: str | None, user_agent: str, reason: str
) -> dt.datetime | None:
    """Record a failed password or code; returns the lock time if this one locks."""
    LoginAttempt.objects.create(
        username=username.strip().lower(), ip_address=ip_address, succeeded=False
    )
    locked = login_locked_until(username=username, ip_address=ip_address)
    audit_record(
        actor=None,
        action="login_failed",
        object_type="user",
        username=username[:150],
        ip_address=ip_address,
        detail={"reason": reason, "locked": locked is not None, "user_agent": user_agent[:300]},
    )
    return locked


@transaction.atomic
def login_refused_locked(*, username: str, ip_address: str | None) -> None:
    audit_record(
        actor=None,
        action="login_locked",
        object_type="user",
        username=username[:150],
        ip_address=ip_address,
    )


@transaction.atomic
def login_succeeded(*, actor: Actor, two_factor: bool) -> None:
    LoginAttempt.objects.create(
        username=actor.user.username.lower(), ip_address=actor.ip_address, succeeded=True
    )
    audit_record(
        actor=actor,
        action="login",
        object_type="user",
        object_id=actor.user.public_id,
        detail={"two_factor": two_factor},
    )


@transaction.atomic
def logged_out(*, actor: Actor, reason: str) -> None:
    audit_record(
        actor=actor,
        action="timeout" if reason == "idle" else "logout",
        object_type="user",
        object_id=actor.user.public_id,
    )


# ---------------------------------------------------------------- two-factor (TOTP)


@transaction.atomic
def totp_enrol(*, actor: Actor, secret: str, code: str) -> User:
    """Confirm enrolment with a code from the authenticator app."""
    step = totp.matching_step(secret, code, after=None)
    if step is None:
        raise InputError(
            "code",
            "That code does not match. Check the time on your phone and try the current code.",
        )
    user = get_user_model().objects.select_for_update().get(pk=actor.user.pk)
    _store_two_factor(
        user, actor=actor, secret=secret, confirmed_at=timezone.now(), step=step, change="enrolled"
    )
    return user  # type: ignore[no-any-return]


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a sign-in code and consume its time-step so it cannot be replayed.
    (No audit row of its own: the sign-in that follows, or the failure, records it.)"""
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    step = totp.matching_step(locked.totp_secret, code, after=locked.totp_last_step)
    if step is None:
        return False
    locked.totp_last_step = step
    locked.save(update_fields=["totp_last_step"])
    return True


# ---------------------------------------------------------------- API tokens


@transaction.atomic
def api_token_create(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is shown once and never stored."""
    name = plain_text(name, "name", max_length=100)
    if not name:
        raise InputError("name", "Name the token after the integration that will use it.")
    token = tokens.new_token()
    row = ApiToken.objects.create(
        owner=actor.user, name=name, prefix=token[:12], digest=tokens.digest(token)
    )
    audit_record(
        actor=actor,
        action="token_create",
        object_type="api_token",
        object_id=row.public_id,
        detail={"name": name},
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: uuid.UUID | str) -> ApiToken:
    """Owners revoke their own tokens; the clinic admin may revoke anyone's."""
    try:
        row = ApiToken.objects.select_for_update().get(public_id=token_id)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise Http404("No such token.") from exc
    if row.owner_id != actor.user.pk and not actor.is_admin:
        raise Http404("No such token.")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="token_revoke", object_type="api_token", object_id=row.public_id
    )
    return row
