"""The JSON API at /api/v1: one router per app, one error shape per domain error."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from acucare.accounts.api import API_AUTH
from acucare.accounts.api import router as accounts_router
from acucare.accounts.middleware import record_refusal
from acucare.assessments.api import router as assessments_router
from acucare.audit.api import router as audit_router
from acucare.domain.errors import ConflictError, InputError
from acucare.outcomes.api import router as outcomes_router
from acucare.patients.api import router as patients_router
from acucare.scheduling.api import router as scheduling_router
from acucare.treatment.api import router as treatment_router


class ClinicSwagger(Swagger):
    """django-ninja's Swagger page with the page's language set (an accessibility rule)."""

    template = "clinic_site/api_docs.html"


api = NinjaAPI(
    title="acucare",
    version="1",
    description=(
        "Clinic API. Authenticate with the browser session (send the CSRF token in "
        "`X-CSRFToken` on unsafe methods) or a personal access token "
        "(`Authorization: Bearer acu_…`). The access rules are those of the pages: a patient "
        "you may not see is 404, content your role may not see is 403."
    ),
    auth=API_AUTH,
    urls_namespace="api",
    # The interactive documentation, served from django-ninja's own vendored Swagger UI
    # files ("ninja" is an installed app), so it runs under the strict CSP: no CDN, no
    # inline script. Public, like the OpenAPI document it reads.
    docs=ClinicSwagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
api.add_router("", accounts_router)
api.add_router("", patients_router)
api.add_router("", assessments_router)
api.add_router("", scheduling_router)
api.add_router("", audit_router)
api.add_router("", treatment_router)
api.add_router("", outcomes_router)


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message}}, status=status
    )


@api.exception_handler(InputError)
def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return api.create_response(request, exc.as_document(), status=422)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Schema violations in the same shape as InputError, naming the first bad field."""
    first = exc.errors[0] if exc.errors else {}
    location = [str(p) for p in first.get("loc", ())]
    if location and location[0] in {"body", "query", "path", "header"}:
        location = location[1:]
    if location and location[0] in {"payload", "filters"}:
        location = location[1:]
    field = ".".join(location) or "body"
    allowed = None
    context = first.get("ctx") or {}
    if "expected" in context:
        allowed = [str(context["expected"])]
    message = str(first.get("msg", "Invalid input."))
    return api.create_response(
        request, InputError(field, message, allowed).as_document(), status=422
    )


@api.exception_handler(ConflictError)
def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return api.create_response(request, exc.as_document(), status=409)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    record_refusal(request, 404)
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    record_refusal(request, 403)
    return _error(request, 403, "forbidden", str(exc) or "Your role does not allow this.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthenticated", "Sign in, or send a valid personal access token."
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors ninja raises itself in the API's error documents: a body that is not JSON
    (ninja's 400) as the input error naming `body`, and the CSRF check of the session
    authentication (403)."""
    if exc.status_code == 400:
        return api.create_response(
            request,
            InputError("body", "The request body is not valid JSON.").as_document(),
            status=422,
        )
    if exc.status_code == 403:
        record_refusal(request, 403)
        return _error(
            request,
            403,
            "csrf_failed",
            "The CSRF check failed: send the csrftoken cookie's value in X-CSRFToken, "
            "or use a personal access token.",
        )
    return _error(request, exc.status_code, "error", str(exc.message))
