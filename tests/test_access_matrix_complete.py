"""Every route is in the access matrix (`tests/patients/test_access_matrix.py`).

The matrix says, for every page and API operation, what each role gets. A route that is
missing from it has untested access rules; this test walks Django's URL resolver and the
API's OpenAPI document and fails for any route the matrix does not list, so a new page
or operation cannot land without its row. Routes open to everyone are listed below, each
with its reason.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.documents.test_access_matrix import DOCUMENTS_MATRIX
from tests.fhir.test_access_matrix import FHIR_MATRIX, RECORD_EXPORT_MATRIX
from tests.outcomes.test_access_matrix import OUTCOMES_MATRIX
from tests.patients.test_access_matrix import API, MATRIX, PAGE, TREATMENT_MATRIX

# Routes every visitor may use, signed in or not (each with why).
PUBLIC_ROUTES = {
    "/": "where each visitor starts: signed out, sent to sign in; signed in, to their work",
    "/api/v1/docs": "the API's interactive documentation, built from the public OpenAPI document",
    "/healthz": "liveness for a load balancer: reads nothing",
    "/readyz": "readiness for a load balancer: says whether the database and the job queue "
    "answer, nothing more",
    "/sign-in/": "signing in",
    "/sign-in/code/": "the two-factor step of signing in (it needs the password step first)",
    "/sign-out/": "signing out",
    "/api/v1/": "the API's root (django-ninja's index of the API)",
    "/api/v1/openapi.json": "the API's description, the contract clients test against",
    "/portal/invitation/{}/": "a patient's invitation link: its 256-bit single-use token is the "
    "credential (tests/portal/test_invitations.py)",
    "/portal/learn/": "patient education: general pages from the knowledge base, no patient data",
    "/portal/learn/{}/": "one patient education page: knowledge-base content, no patient data",
    "/fhir/r4/metadata": "the FHIR server's CapabilityStatement: what it serves, no record",
}
API_PREFIX = "/api/v1/"

_CONVERTER = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def django_routes() -> set[str]:
    """Every route the URL resolver knows, as /path/{}/ templates."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> set[str]:
        found: set[str] = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                found |= walk(pattern.url_patterns, route)
            else:
                found.add("/" + _CONVERTER.sub("{}", route))
        return found

    return walk(get_resolver().url_patterns, "")


def api_operations() -> set[tuple[str, str]]:
    """(method, /api/v1/path/{}) for every operation of the OpenAPI document."""
    from acucare.api import api

    paths = api.get_openapi_schema()["paths"]
    return {
        (method, _PLACEHOLDER.sub("{}", path))
        for path, operations in paths.items()
        for method in operations
    }


def matrix_rows(kind: str) -> set[tuple[str, str]]:
    """(method, path) of the matrix's rows, ids and other path values as `x`."""
    return {
        (method, _PLACEHOLDER.sub("x", path.split("?")[0]))
        for row_kind, method, path, _body, _expected in (
            *MATRIX,
            *TREATMENT_MATRIX,
            *OUTCOMES_MATRIX,
            *DOCUMENTS_MATRIX,
            *_portal_matrix(),
            *FHIR_MATRIX,
            *RECORD_EXPORT_MATRIX,
        )
        if row_kind == kind
    }


def _portal_matrix() -> list[tuple[str, str, str, object, object]]:
    # Imported late: the portal's matrix module imports this one for its route walks.
    from tests.portal.test_access_matrix import PORTAL_MATRIX

    return PORTAL_MATRIX


def matches(route: str, path: str) -> bool:
    """Whether a concrete path is one of a route template's (`{}` is one path segment)."""
    pattern = "".join(
        "[^/]+" if part == "{}" else re.escape(part) for part in re.split(r"({})", route)
    )
    return re.fullmatch(pattern, path) is not None


def covered(routes: set[tuple[str, str]], rows: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (method, route) pairs some matrix row exercises."""
    return {
        (method, route)
        for method, route in routes
        if any(m == method and matches(route, path) for m, path in rows)
    }


def test_every_page_is_in_the_access_matrix():
    pages = {r for r in django_routes() if not r.startswith(API_PREFIX)} - PUBLIC_ROUTES.keys()
    rows = matrix_rows(PAGE)
    missing = sorted(r for r in pages if not any(matches(r, path) for _method, path in rows))
    assert missing == [], "add these pages to tests/patients/test_access_matrix.py"


def test_every_api_operation_is_in_the_access_matrix():
    operations = api_operations()
    missing = sorted(operations - covered(operations, matrix_rows(API)))
    assert missing == [], "add these operations to tests/patients/test_access_matrix.py"


def test_the_api_routes_all_come_from_the_openapi_document():
    """The API's own routes are checked by operation above; none may hide from it."""
    documented = {path for _method, path in api_operations()}
    routes = {r for r in django_routes() if r.startswith(API_PREFIX)}
    assert routes - documented - PUBLIC_ROUTES.keys() == set()


def test_the_matrix_lists_no_route_that_does_not_exist():
    pages = django_routes()
    operations = api_operations()
    stale = sorted(
        {path for _m, path in matrix_rows(PAGE) if not any(matches(r, path) for r in pages)}
        | {
            f"{method} {path}"
            for method, path in matrix_rows(API)
            if not any(m == method and matches(r, path) for m, r in operations)
        }
    )
    assert stale == []


def test_a_route_template_matches_only_its_own_paths():
    assert matches("/patients/{}/edit/", "/patients/x/edit/")
    assert not matches("/patients/{}/edit/", "/patients/x/y/edit/")
    assert not matches("/patients/{}/", "/patients/x/edit/")
    assert matches("/admin/audit/export.csv", "/admin/audit/export.csv")
    assert not matches("/admin/audit/export.csv", "/admin/audit/exportXcsv")


@pytest.mark.parametrize("route", sorted(PUBLIC_ROUTES))
def test_every_public_route_exists(route):
    assert route in django_routes()
