"""API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from acucare.accounts import tokens
from acucare.accounts.models import (
    ApiToken,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.domain.errors import InputError
from acucare.domain.text import plain_text


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
