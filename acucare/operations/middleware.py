"""One JSON log line per request: request id, user id, method, route, status, duration."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

from acucare.operations.logging import request_id_var, user_id_var

logger = logging.getLogger("acucare.request")

# A proxy's request id is kept when it looks like one (so lines can be joined across
# services); anything else is replaced, since the header is client-controlled.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.monotonic()
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set("")
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user_id = _user_id(request)
            user_id_var.set(user_id)
            logger.info(
                "request",
                extra={
                    "method": request.method or "",
                    **_where(request),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)


def _where(request: HttpRequest) -> dict[str, str]:
    """The route pattern, and the path when nothing in it was typed by a person.

    Never the query string (searches carry typed names there). The path only when it
    resolved to a route whose parameters are all ids (UUIDs, numbers): an unknown path
    (a 404) or a free-text parameter could hold anything someone typed into the address
    bar, a patient's name included."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"route": ""}
    where = {"route": str(match.route or "")}
    if all(isinstance(value, uuid.UUID | int) for value in match.kwargs.values()) and not (
        match.args
    ):
        where["path"] = request.path
    return where


def _user_id(request: HttpRequest) -> str:
    """The signed-in user's id, without loading the user for a request that did not."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", empty) is empty:
        return ""
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return ""
