"""Every page, as each role opens it, on a 390 px phone (issue 15, Done when).

The pages are found from Django's URL resolver, not from a list, so a page another app adds
is walked as soon as it lands. Each route's ids are filled in from the demo clinic: for
each `<uuid:...>` the walker tries the public ids of every model that has one (the model
whose name matches the parameter first) until the role gets the page (200, HTML). Every
page each role can open (a whole HTML document: htmx fragments are parts of pages) is then
loaded in Chromium at 390 × 844 and must:
- not be wider than the viewport (no page-wide sideways scroll; wide tables scroll inside
  their box);
- have no `serious` or `critical` axe finding;
- show no snake_case identifier in the text a person reads.

A GET route that no role can open with any demo record fails the test, unless it is in
SKIPPED below with the reason the walker cannot make its data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from acucare.accounts.models import User
from tests.browser.conftest import serious_violations
from tests.factories import PASSWORD
from tests.workflow.test_words_not_identifiers import SNAKE, readable_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ROLES = ("dr.chen", "reception", "admin")

# Values for the routes' text parameters (ids of the knowledge base, not of records).
TEXT_VALUES = {
    "kind": ["baseline", "review", "discharge", "followup"],
}
# Routes the walker does not open, each with why. Prefixes: one line covers a family.
SKIPPED = {
    "/api/v1/": "the JSON API (its interactive documentation, /api/v1/docs, is walked)",
    "/fhir/": "the FHIR API and its export downloads: files for other systems, not pages",
    "/sign-out/": "signing out ends the walk's session (a POST-only form anyway)",
    "/admin/audit/export.csv": "a CSV download, not a page",
    "/assessments/score/": "an htmx fragment (a questionnaire's live score) of the intake "
    "and measurement pages, which are walked",
    "/healthz": "a load balancer's probe, plain text",
    "/readyz": "a load balancer's probe, plain text",
}
WALKED_TOO = {"/api/v1/docs", "/appointments/?view=week"}  # a page behind a skipped prefix
# or a query string


def _routes() -> list[str]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield "/" + route

    return sorted(set(walk(get_resolver().url_patterns, "")))


def _skipped(route: str) -> bool:
    return route not in WALKED_TOO and any(route.startswith(s) for s in SKIPPED)


_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _public_ids() -> dict[str, list[str]]:
    """Up to four public ids of every model that has them, by model name."""
    found: dict[str, list[str]] = {}
    for model in apps.get_models():
        if any(f.name == "public_id" for f in model._meta.get_fields()):
            ids = model._default_manager.order_by("pk").values_list("public_id", flat=True)
            found[model.__name__.lower()] = [str(i) for i in ids[:4]]
    return found


def _candidates(
    name: str, converter: str | None, ids: dict[str, list[str]], segment: str
) -> list[str]:
    """The values to try, the likeliest first: `plan_id` tries plans first, and
    `patients/<uuid:public_id>/` patients (the path segment before a bare public_id)."""
    if converter != "uuid":
        return TEXT_VALUES.get(name, [])
    stem = segment.removesuffix("s") if name == "public_id" else name.removesuffix("_id")
    stem = stem.replace("_", "").replace("-", "")
    ranked = sorted(ids, key=lambda model: (stem not in model, model))
    return [i for model in ranked for i in ids[model]]


def _paths(route: str, ids: dict[str, list[str]]) -> Iterator[str]:
    parameters = list(_PARAMETER.finditer(route))
    choices = [
        _candidates(
            p["name"], p["converter"], ids, route[: p.start()].rstrip("/").rsplit("/", 1)[-1]
        )
        for p in parameters
    ]
    for values in itertools.product(*choices):
        path = route
        for value in values:
            path = _PARAMETER.sub(value, path, count=1)
        yield path


def _opens(client: Client, path: str) -> bool | None:
    """True when the page opens (after redirects) as HTML; None when the role is refused
    whatever the record (403, or 405 for a POST-only route): no other id will open it."""
    response = client.get(path)
    if response.status_code in {403, 405}:
        return None
    if response.status_code in {301, 302}:
        response = client.get(path, follow=True)
    return (
        response.status_code == 200
        and response["Content-Type"].startswith("text/html")
        # A whole document, not an htmx fragment (e.g. a questionnaire's live score).
        and response.content.lstrip()[:15].lower() == b"<!doctype html>"
    )


def pages_of(user: User, routes: list[str], ids: dict[str, list[str]]) -> dict[str, str]:
    """route -> the first path this user can open for it."""
    client = Client()
    client.force_login(user)
    opened: dict[str, str] = {}
    for route in routes:
        for path in itertools.islice(_paths(route, ids), 200):
            opens = _opens(client, path)
            if opens:
                opened[route] = path
            if opens is not False:
                break
    return opened


def test_every_page_fits_a_phone_reads_in_words_and_passes_axe(page: Any, sign_in: Any) -> None:
    from acucare.demo.loader import load_demo

    load_demo()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    routes = [r for r in _routes() if not _skipped(r)]
    ids = _public_ids()
    walked: dict[str, dict[str, str]] = {
        role: pages_of(User.objects.get(username=role), routes, ids) for role in ROLES
    }
    for role in ROLES:
        walked[role] |= {path: path for path in WALKED_TOO}
    opened_by_someone = {route for pages in walked.values() for route in pages}
    unreached = sorted(
        r for r in routes if r not in opened_by_someone and _reachable_by_get(r) and not _skipped(r)
    )
    assert unreached == [], "no role could open these pages with the demo's records"

    page.set_viewport_size(PHONE)
    too_wide: dict[str, int] = {}
    axe: dict[str, list[str]] = {}
    snake: dict[str, list[str]] = {}
    for role in ROLES:
        page.context.clear_cookies()
        sign_in(page, role)
        for path in sorted(set(walked[role].values())):
            response = page.goto(page.base_url + path)
            assert response is not None
            if response.status != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            key = f"{role} {path}"
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[key] = width
            found = serious_violations(page)
            if found:
                axe[key] = found
            shown = sorted(set(SNAKE.findall(readable_text(page.content()))))
            if shown:
                snake[key] = shown
    problems: dict[str, dict[str, Any]] = {
        "wider than 390 px": too_wide,
        "axe": axe,
        "snake_case": snake,
    }
    assert not any(problems.values()), "\n".join(
        f"{kind}: {where}: {what}"
        for kind, found in problems.items()
        for where, what in found.items()
    )
    # The walk covered every role's pages, not a handful.
    assert all(len(pages) >= 10 for pages in walked.values()), {
        role: len(pages) for role, pages in walked.items()
    }


def _reachable_by_get(route: str) -> bool:
    """False for routes that only take POST (they answer 405 to GET whatever the id)."""
    client = Client()
    client.force_login(User.objects.get(username="dr.chen"))
    path = _PARAMETER.sub("00000000-0000-0000-0000-000000000000", route)
    return client.get(path).status_code != 405
