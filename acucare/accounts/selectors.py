"""Reads of accounts data."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from acucare.accounts.access import require_admin
from acucare.accounts.actor import Actor
from acucare.accounts.models import ApiToken, PractitionerProfile, User


def user_list(*, actor: Actor) -> QuerySet[User]:
    require_admin(actor)
    return get_user_model().objects.select_related("practitioner_profile").order_by("username")


def user_get(*, actor: Actor, public_id: str) -> User:
    require_admin(actor)
    try:
        return get_user_model().objects.get(public_id=public_id)  # type: ignore[no-any-return]
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise Http404("No such user.") from exc


def own_profile(*, actor: Actor) -> PractitionerProfile | None:
    return PractitionerProfile.objects.filter(user=actor.user).first()


def own_tokens(*, actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(owner=actor.user)
