"""Users and roles: create, change role, activate, passwords, clearing a sign-in lock.
Each service is atomic, keyword-only, takes the acting user and appends one audit event."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from acucare.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    LoginAttempt,
    PractitionerProfile,
    Role,
    User,
)
from acucare.accounts.services._shared import touch, user_by_id
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text


def _check_role(role: str) -> None:
    # Patient accounts are made by invitation from the chart (acucare.portal), never here.
    staff = [r.value for r in STAFF_ROLES]
    if role not in staff:
        raise InputError("role", f"'{role}' is not a staff role.", staff)


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
    user = user_by_id(user_id)
    if user.role == Role.PATIENT:
        raise InputError("role", "A patient's portal account has no staff role.")
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
    touch(user, actor)
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
    user = user_by_id(user_id)
    if user.pk == actor.user.pk and not active:
        raise InputError("active", "You cannot deactivate your own account.")
    user.is_active = active
    touch(user, actor)
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
    touch(user, actor)
    user.save(update_fields=["password", "updated_at", "updated_by"])
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"change": "password"},
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user_id: uuid.UUID | str, password: str) -> User:
    """The clinic admin sets a new password for a user who has forgotten theirs."""
    require_admin(actor)
    user = user_by_id(user_id)
    _validated_password(user, password, "password")
    user.set_password(password)
    touch(user, actor)
    user.save(update_fields=["password", "updated_at", "updated_by"])
    # Whoever knew the old password may have made tokens with it (issue 14).
    revoked = ApiToken.objects.filter(owner=user, revoked_at=None).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="update",
        object_type="user",
        object_id=user.public_id,
        detail={"change": "password set by admin", "tokens_revoked": revoked},
    )
    return user


@transaction.atomic
def user_clear_sign_in_lock(*, actor: Actor, user_id: uuid.UUID | str) -> int:
    """Forget a user's recent failed sign-ins (from any address), lifting their lock.
    Returns how many failures were cleared. The attempts remain in the audit log."""
    require_admin(actor)
    user = user_by_id(user_id)
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
