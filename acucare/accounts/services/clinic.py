"""Clinic settings: the clinic's name and whether two-factor sign-in is required."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from acucare.accounts.models import (
    Clinic,
)
from acucare.accounts.selectors import clinic_settings
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text


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
