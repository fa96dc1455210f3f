"""Once-only creates, as HTTP sees them.

A create form or API call carries a key (a hidden form field, or the `Idempotency-Key`
header). The creating service claims the key (`acucare.accounts.submissions`); a second
request with the same key (a double click, a retry after a lost response) raises
`DuplicateSubmission` naming what the first request created, and nothing new is made.
`created_once` is the API's one translation of that: 201 with the new record, or 200 with
the first request's record; `already_sent` is the pages' one: say so, and show the record.
A page view declares it once with `@resend_shows(...)` rather than catching the exception.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from ninja import Status

Record = TypeVar("Record")
Out = TypeVar("Out")
Params = ParamSpec("Params")


class DuplicateSubmission(Exception):  # noqa: N818 -- an outcome, not a fault
    def __init__(self, object_type: str, object_id: uuid.UUID) -> None:
        super().__init__(f"this {object_type} form was already submitted")
        self.object_type = object_type
        self.object_id = object_id


def created_once(
    create: Callable[[], Record],
    *,
    first: Callable[[uuid.UUID], Record],
    out: Callable[[Record], Out],
) -> Status[Out]:
    """Run `create`; 201 with `out` of what it made, or, for a repeated key, 200 with `out`
    of the record the first request made (read back through `first`)."""
    try:
        made = create()
    except DuplicateSubmission as duplicate:
        return Status(200, out(first(duplicate.object_id)))
    return Status(201, out(made))


def already_sent(request: HttpRequest, done: str, to: str, **kwargs: Any) -> HttpResponse:
    """A create form sent again: tell the user it was saved once (`done`, e.g. "the patient
    was registered") and show what the first send created (URL name `to`, its kwargs)."""
    messages.info(request, f"This form was already sent; {done} once.")
    response: HttpResponse = redirect(to, **kwargs)
    return response


def resend_shows(
    done: str,
    to: str | Callable[[HttpRequest], str],
    *,
    record: str | None = None,
    route: Mapping[str, str] | None = None,
) -> Callable[
    [Callable[Params, HttpResponse]], Callable[Params, HttpResponse]
]:  # fmt: skip
    """A page view whose create service may raise `DuplicateSubmission` answers a resent
    form with `already_sent`: the message `done`, and a redirect to the URL named `to` (or
    chosen by `to(request)`) whose kwargs are the first send's record id (as `record`)
    and the view's own URL kwargs named in `route` (redirect kwarg -> view kwarg)."""

    def decorate(view: Callable[Params, HttpResponse]) -> Callable[Params, HttpResponse]:
        @functools.wraps(view)
        def wrapped(*args: Params.args, **kwargs: Params.kwargs) -> HttpResponse:
            try:
                return view(*args, **kwargs)
            except DuplicateSubmission as duplicate:
                request = args[0]
                assert isinstance(request, HttpRequest)
                target: dict[str, Any] = {name: kwargs[key] for name, key in (route or {}).items()}
                if record is not None:
                    target[record] = duplicate.object_id
                name = to if isinstance(to, str) else to(request)
                return already_sent(request, done, name, **target)

        wrapped.resend_shows = done  # type: ignore[attr-defined]  # read by the gate test
        return wrapped

    return decorate
