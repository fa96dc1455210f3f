"""The acting user together with where the request came from.

Every service and selector takes an `Actor`, so that access checks and the audit log
always know who is asking and from which address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest

if TYPE_CHECKING:
    from acucare.accounts.models import User

Channel = Literal["web", "api", "system"]


@dataclass(frozen=True)
class Actor:
    user: User
    ip_address: str | None = None
    user_agent: str = ""
    channel: Channel = "web"

    @property
    def role(self) -> str:
        return str(self.user.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_practitioner(self) -> bool:
        return self.role == "practitioner"

    @property
    def is_reception(self) -> bool:
        return self.role == "reception"


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. Behind a reverse proxy, configure it to set REMOTE_ADDR
    (we do not trust X-Forwarded-For, which any client can forge)."""
    return request.META.get("REMOTE_ADDR") or None


def actor_from_request(request: HttpRequest, channel: Channel = "web") -> Actor:
    user = request.user
    return Actor(
        user=user,  # type: ignore[arg-type]
        ip_address=client_ip(request),
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:300],
        channel=channel,
    )


def system_actor(user: User) -> Actor:
    """For management commands: no request, no address."""
    return Actor(user=user, channel="system")
