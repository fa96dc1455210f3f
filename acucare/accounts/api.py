"""API authentication (browser session with CSRF, or a personal access token) and the
`/me` operation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer, SessionAuth

from acucare.accounts import tokens
from acucare.accounts.selectors import clinic_settings
from acucare.core.api_errors import errors


class TokenAuth(HttpBearer):
    """`Authorization: Bearer acu_…` — a personal access token (create one under
    Account → API tokens). Tokens of deactivated users or revoked tokens fail; so does a
    token whose owner has not enrolled two-factor authentication when the clinic
    requires it."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = tokens.authenticate(token)
        if user is None:
            return None
        if clinic_settings().require_two_factor and not user.two_factor_enabled:
            return None
        request.user = user
        request.acucare_channel = "api"  # type: ignore[attr-defined]
        return user


class StaffSession(SessionAuth):
    """The browser session (signed in through the pages, two-factor included); unsafe
    methods need the CSRF token in the `X-CSRFToken` header."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


API_AUTH = [TokenAuth(), StaffSession()]

router = Router(tags=["accounts"])


class MeOut(Schema):
    public_id: UUID
    username: str
    name: str
    role: str
    two_factor_enabled: bool


@router.get("/me", response={200: MeOut, **errors()}, summary="The authenticated user")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.user
    return MeOut(
        public_id=user.public_id,
        username=user.username,
        name=user.display_name,
        role=user.role,
        two_factor_enabled=user.two_factor_enabled,
    )
