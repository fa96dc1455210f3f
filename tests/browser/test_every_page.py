"""Every page, as each role opens it, on a 390 px phone (issue 15, Done when).

The pages are found from Django's URL resolver, not from a list, so a page another app adds
is walked as soon as it lands. Each route's ids are filled in from the demo clinic: for
each `<uuid:...>` the walker tries the public ids of every model that has one (the model
whose name matches the parameter first; for the portal patient, their own records first)
until the role gets the page (200, HTML). Every page each role can open (a whole HTML
document: htmx fragments are parts of pages) is then loaded in one Chromium page at
390 × 844 and must:
- not be wider than the viewport (no page-wide sideways scroll; wide tables scroll inside
  their box);
- have no `serious` or `critical` axe finding;
- show no snake_case identifier in the text a person reads, pick-lists included;
- use each element id once (labels, captions and aria-labelledby point at one element).

The roles: the demo's practitioner, receptionist and clinic admin, and a demo patient
signed in to the portal. A GET route that no role can open with any demo record fails
the test, unless it is in SKIPPED below with the reason the walker cannot make its data.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Model
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from acucare.accounts.models import User
from acucare.patients.models import Patient
from tests.browser.conftest import serious_violations
from tests.factories import make_appointment
from tests.workflow.test_words_not_identifiers import SNAKE, readable_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
STAFF = ("dr.chen", "reception", "admin")
PATIENT = "portal patient"  # each of the demo's patients with a portal account

# Values for the routes' text parameters (ids of the knowledge base, not of records).
TEXT_VALUES = {
    # measurements and portal questionnaires; then letters and reports (documents)
    "kind": [
        "baseline",
        "review",
        "discharge",
        "followup",
        "session",
        "referral-letter",
        "progress-report",
        "discharge-summary",
        "patient-report",
    ],
}
# Routes the walker does not open, each with why. Prefixes: one line covers a family.
SKIPPED = {
    "/api/v1/": "the JSON API (its interactive documentation, /api/v1/docs, is walked)",
    "/fhir/": "the FHIR API and its export downloads: files for other systems, not pages",
    "/sign-out/": "signing out ends the walk's session (a POST-only form anyway)",
    "/assessments/score/": "an htmx fragment (a questionnaire's live score) of the intake "
    "and measurement pages, which are walked",
    "/healthz": "a load balancer's probe, plain text",
    "/readyz": "a load balancer's probe, plain text",
    "/documents/<uuid:document_id>/download/": "a signed PDF, a download (the demo signs "
    "no letters; tests/documents opens them)",
    "/documents/signing/": "a queued signing's progress: it exists only once a practitioner "
    "signs a letter, which the demo does not (tests/documents opens it)",
    "/portal/invitation/": "an invitation link's token exists only in the e-mail sent "
    "(the database keeps its digest); tests/portal covers the page",
}
# Pages behind a skipped prefix or a query string, walked as well.
WALKED_TOO = {"/api/v1/docs", "/appointments/?view=week"}


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


def _owned_by(model: type[Model], patient: Patient) -> dict[str, Any] | None:
    """The filter that finds the patient's own rows of `model`, or None."""
    names = {f.name for f in model._meta.get_fields()}
    if model is Patient:
        return {"pk": patient.pk}
    if "patient" in names:
        return {"patient": patient}
    if "episode" in names:
        return {"episode__patient": patient}
    return None


def _public_ids(patient: Patient | None = None) -> dict[str, list[str]]:
    """Up to four public ids of every model that has them, by model name; for a portal
    patient, their own records first."""
    found: dict[str, list[str]] = {}
    for model in apps.get_models():
        if not any(f.name == "public_id" for f in model._meta.get_fields()):
            continue
        rows = model._default_manager.order_by("pk")
        own = _owned_by(model, patient) if patient is not None else None
        if own is not None:
            rows = rows.filter(**own)
        found[model.__name__.lower()] = [
            str(i) for i in rows.values_list("public_id", flat=True)[:4]
        ]
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


DOWNLOAD = "a download"  # answered, but a file (CSV, PDF, JSON), not a page to walk


_HREF = re.compile(r'href="(/[^"#?]*)')


def _linked(client: Client, path: str, found: dict[str, set[str]]) -> None:
    """Add the links of the HTML page at `path` to `found` (route -> links to it)."""
    response = client.get(path)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return
    for href in set(_HREF.findall(response.content.decode())):
        try:
            match = resolve(htmllib.unescape(href))
        except Resolver404:
            continue
        found.setdefault("/" + match.route, set()).add(href)


def _opens(client: Client, path: str) -> str | bool | None:
    """The page's address (after redirects) when it opens as a whole HTML document;
    DOWNLOAD for a file; False when not with these ids; None when the role is refused
    whatever the record (403, or 405 for a POST-only route): no other id will open it."""
    response = client.get(path, follow=True)
    if response.status_code in {403, 405}:
        return None
    if response.status_code != 200:
        return False
    if not response["Content-Type"].startswith("text/html"):
        return DOWNLOAD
    # A whole document, not an htmx fragment (e.g. a questionnaire's live score).
    if response.content.lstrip()[:15].lower() != b"<!doctype html>":
        return False
    chain = response.redirect_chain
    return str(chain[-1][0]) if chain else path


def pages_of(client: Client, routes: list[str], ids: dict[str, list[str]]) -> dict[str, str]:
    """route -> the address this user lands on for it (a redirect to another page counts
    as that page, walked once). A route whose parameters are not record ids (a table's
    slug, a questionnaire's kind) is opened through a link to it on the pages opened."""
    opened: dict[str, str] = {}
    for route in routes:
        for path in itertools.islice(_paths(route, ids), 200):
            opens = _opens(client, path)
            if opens:
                opened[route] = str(opens)
            if opens is not False:
                break
    links: dict[str, set[str]] = {}
    for path in set(opened.values()) - {DOWNLOAD}:
        _linked(client, path, links)
    for route in routes:
        for path in sorted(links.get(route, set()) if route not in opened else set())[:4]:
            opens = _opens(client, path)
            if opens:
                opened[route] = str(opens)
                break
    return opened


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reachable_by_get(route: str) -> bool:
    """False for routes that only take POST (they answer 405 to GET whatever the id)."""
    client = _signed_in(User.objects.get(username="dr.chen"))
    path = _PARAMETER.sub("00000000-0000-0000-0000-000000000000", route)
    return client.get(path).status_code != 405


def _problems(page: Any, path: str) -> dict[str, Any]:
    """What is wrong with the page at `path` on a phone, by kind (empty when nothing)."""
    response = page.goto(page.base_url + path)
    assert response is not None
    if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
        return {}
    found: dict[str, Any] = {}
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found["wider than 390 px"] = width
    axe = serious_violations(page)
    if axe:
        found["axe"] = axe
    shown = sorted(set(SNAKE.findall(readable_text(page.content()))))
    if shown:
        found["snake_case"] = shown
    # An id used twice (or left empty) makes a label, a caption or aria-labelledby point at
    # the wrong element (the outcomes page's questionnaire charts all had "-caption").
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.getAttribute('id'))")
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1 or not i.strip())
    if repeated:
        found["ids used twice or empty"] = repeated
    return found


def test_every_page_fits_a_phone_reads_in_words_and_passes_axe(page: Any) -> None:
    from acucare.demo.loader import load_demo, load_portal_accounts

    load_demo()
    patients = {
        f"{PATIENT} {n}": Patient.objects.get(portal_account__user__username=account.email)
        for n, account in enumerate(load_portal_accounts(), start=1)
    }
    # The first portal patient's next session is booked within the hour, so its
    # "before each session" questionnaire is due and the walk opens it on a phone.
    first = next(iter(patients.values()))
    make_appointment(first, start=timezone.now() + dt.timedelta(hours=1))
    routes = [r for r in _routes() if not _skipped(r)]
    clients = {role: _signed_in(User.objects.get(username=role)) for role in STAFF}
    clients |= {role: _signed_in(p.portal_account.user) for role, p in patients.items()}
    staff_ids = _public_ids()
    walked = {
        role: pages_of(
            client, routes, _public_ids(patients[role]) if role in patients else staff_ids
        )
        for role, client in clients.items()
    }
    for role in STAFF:
        walked[role] |= {path: path for path in WALKED_TOO}
    # The before-session page itself: a review due for the same patient may be the page
    # the walk opened for the questionnaires' route.
    first_role = next(iter(patients))
    before = next(
        f"/portal/questionnaires/{e.public_id}/session/"
        for e in first.episodes.order_by("-started_on", "-id")
        if _opens(clients[first_role], f"/portal/questionnaires/{e.public_id}/session/")
    )
    walked[first_role]["before each session"] = before
    opened_by_someone = {route for pages in walked.values() for route in pages}
    unreached = sorted(r for r in routes if r not in opened_by_someone and _reachable_by_get(r))
    assert unreached == [], f"no role could open these pages with the demo's records: {unreached}"

    page.set_viewport_size(PHONE)
    problems: dict[str, dict[str, Any]] = {}
    for role, client in clients.items():
        page.context.clear_cookies()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": page.base_url,
                }
            ]
        )
        for path in sorted(set(walked[role].values()) - {DOWNLOAD}):
            for kind, what in _problems(page, path).items():
                problems.setdefault(kind, {})[f"{role} {path}"] = what
    assert not problems, "\n".join(
        f"{kind}: {where}: {what}"
        for kind, found in problems.items()
        for where, what in found.items()
    )
    # The walk covered every role's pages, not a handful.
    counts = {role: len(set(pages.values()) - {DOWNLOAD}) for role, pages in walked.items()}
    assert all(counts[role] >= 10 for role in STAFF), counts
    assert all(counts[role] >= 2 for role in patients), counts
