"""The error documents of the JSON API, declared so that OpenAPI shows them.

Rejected input (422) uses the project's one input-error document, the same the
command line prints; every other error is `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorBody


class ConflictBody(ErrorBody):
    current_version: int | None = None


class ConflictOut(Schema):
    error: ConflictBody


class InputErrorBody(Schema):
    field: str
    message: str
    allowed: list[Any] | dict[str, Any] | None = None


class InputErrorOut(Schema):
    error: InputErrorBody


_BY_STATUS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: InputErrorOut,
}


def errors(*statuses: int) -> dict[int, type[Schema]]:
    """`response={200: Out, **errors(401, 403, 404)}`; 401, 403 (the CSRF check of a
    session) and 422 are always possible."""
    return {status: _BY_STATUS[status] for status in sorted({401, 403, 422, *statuses})}
