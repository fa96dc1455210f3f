"""One answer to a resent create form (issue 16 item 5): `acucare.core.once.resend_shows`.

Every page view that hands a form's once-only key (`submission=`) to a service is wrapped
by it, so none catches `DuplicateSubmission` by hand; and the wrapper answers a resend with
the "already sent" message and the first send's record.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from acucare.core.once import DuplicateSubmission, resend_shows


def _views(patterns: list[Any] | None = None) -> Iterator[Callable[..., Any]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry.callback


def _innermost(view: Callable[..., Any]) -> Callable[..., Any]:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _resend_marked(view: Callable[..., Any]) -> bool:
    while True:
        if hasattr(view, "resend_shows"):
            return True
        if not hasattr(view, "__wrapped__"):
            return False
        view = view.__wrapped__


def test_every_page_view_that_sends_a_form_key_answers_resends_in_one_way() -> None:
    checked, missing = [], []
    for view in set(_views()):
        inner = _innermost(view)
        module = getattr(inner, "__module__", "")
        if not module.startswith("acucare.") or not module.endswith(".views"):
            continue
        source = inspect.getsource(inner)
        assert "except DuplicateSubmission" not in source, inner.__qualname__
        if "submission=" in source:
            checked.append(inner.__qualname__)
            if not _resend_marked(view):
                missing.append(f"{module}.{inner.__qualname__}")
    assert not missing, f"create views without @resend_shows: {missing}"
    assert len(checked) >= 10, checked  # the ten create pages of issue 16


FIRST = uuid.UUID("0b9f2c1e-4e1a-4c7e-9a51-3f1d2e3c4b5a")


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


@pytest.mark.parametrize(
    ("decorate", "kwargs", "location"),
    [
        (resend_shows("the plan was generated", "treatment:plan", record="plan_id"),
         {}, f"/treatment/plans/{FIRST}/"),
        (resend_shows("the review was signed", "outcomes:episode",
                      route={"episode_id": "episode_id"}),
         {"episode_id": FIRST}, f"/outcomes/episodes/{FIRST}/"),
        (resend_shows("the measurements were saved", lambda request: "outcomes:review",
                      route={"episode_id": "episode_id"}),
         {"episode_id": FIRST}, f"/outcomes/episodes/{FIRST}/review/"),
    ],
)  # fmt: skip
def test_a_resend_says_so_and_shows_the_first_record(
    decorate: Callable[..., Any], kwargs: dict[str, Any], location: str
) -> None:
    @decorate
    def view(request: HttpRequest, **_: Any) -> HttpResponse:
        raise DuplicateSubmission("plan", FIRST)

    request = _request()
    response = view(request, **kwargs)
    assert response.status_code == 302
    assert response["Location"] == location
    (message,) = [str(m) for m in get_messages(request)]
    assert message.startswith("This form was already sent; ")
    assert message.endswith(" once.")


def test_a_first_send_passes_through() -> None:
    @resend_shows("the plan was generated", "treatment:plan", record="plan_id")
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("made", status=201)

    assert view(_request()).status_code == 201
