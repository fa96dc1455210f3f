"""What the account services share: finding a user by public id, stamping a change."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from acucare.accounts.models import (
    User,
)
from acucare.core.actor import Actor


def user_by_id(public_id: uuid.UUID | str) -> User:
    try:
        return get_user_model().objects.get(public_id=public_id)
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise Http404("No such user.") from exc


def touch(user: User, actor: Actor) -> None:
    user.updated_at = timezone.now()
    user.updated_by = actor.user
