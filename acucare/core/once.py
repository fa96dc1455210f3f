"""Once-only creates, as HTTP sees them.

A create form or API call carries a key (a hidden form field, or the `Idempotency-Key`
header). The creating service claims the key (`acucare.accounts.submissions`); a second
request with the same key (a double click, a retry after a lost response) raises
`DuplicateSubmission` naming what the first request created, and nothing new is made.
`created_once` is the API's one translation of that: 201 with the new record, or 200 with
the first request's record; `already_sent` is the pages' one: say so, and show the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from ninja import Status

Record = TypeVar("Record")
Out = TypeVar("Out")


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
