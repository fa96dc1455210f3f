"""Security middleware: Content-Security-Policy, idle session timeout, and clinic-wide
enforcement of two-factor authentication."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from acucare.accounts.selectors import clinic_settings
from acucare.accounts.services import logged_out
from acucare.audit.services import audit_denied
from acucare.core.actor import actor_from_request
from acucare.domain.fhir.outcome import CONTENT_TYPE as FHIR_CONTENT_TYPE
from acucare.domain.fhir.outcome import FHIR_PATH, operation_outcome

Handler = Callable[[HttpRequest], HttpResponse]
LAST_SEEN = "acucare_last_seen"
# When the session began; it ends SESSION_COOKIE_AGE (twelve hours) later however active
# (issue 14: the documented cap did not hold while the session was in use).
SIGNED_IN_AT = "acucare_signed_in_at"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", settings.ACUCARE_CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Patient data must not stay in a browser's or a proxy's cache (issue 14): every
        # page for a signed-in user and every API response.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (is_api_request(request) or signed_in) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


def is_api_request(request: HttpRequest) -> bool:
    """A machine client's request: the JSON API or the FHIR endpoints."""
    return request.path.startswith(("/api/", FHIR_PATH))


# The FHIR issue type of each refusal the middleware make (status → code).
FHIR_ISSUES = {401: "login", 403: "forbidden"}


def api_refusal(request: HttpRequest, *, status: int, code: str, message: str) -> HttpResponse:
    """A refusal for a machine client, never a redirect to a page: an OperationOutcome
    (FHIR JSON) under /fhir/r4/, the API's error JSON under /api/."""
    if not request.path.startswith(FHIR_PATH):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    response = HttpResponse(
        json.dumps(operation_outcome(FHIR_ISSUES[status], message)),
        content_type=FHIR_CONTENT_TYPE,
        status=status,
    )
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


class IdleTimeoutMiddleware:
    """Signs a browser session out after ACUCARE_IDLE_TIMEOUT_MINUTES without a request.

    Token-authenticated API calls carry no session and are not affected."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - float(started) > settings.SESSION_COOKIE_AGE:
                hours = settings.SESSION_COOKIE_AGE // 3600
                return self._end(
                    request,
                    reason="expired",
                    message=f"You were signed out {hours} hours after signing in. "
                    "Sign in again to continue.",
                    api_message=f"Signed out {hours} hours after signing in.",
                )
            last = request.session.get(LAST_SEEN)
            limit = settings.ACUCARE_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - float(last) > limit:
                return self._end(
                    request,
                    reason="idle",
                    message=f"You were signed out after {settings.ACUCARE_IDLE_TIMEOUT_MINUTES} "
                    "minutes without activity. Sign in again to continue.",
                    api_message="Signed out after inactivity.",
                )
            # Refresh the mark at most every 30 s so that not every request writes the session.
            if last is None or now - float(last) > 30:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _end(request: HttpRequest, *, reason: str, message: str, api_message: str) -> HttpResponse:
        logged_out(actor=actor_from_request(request), reason=reason)
        logout(request)
        if is_api_request(request):
            return api_refusal(request, status=401, code="session_expired", message=api_message)
        messages.info(request, message)
        return redirect(f"{reverse('accounts:login')}?next={request.path}")


class HtmxSignInRedirectMiddleware:
    """An htmx request whose session has ended would otherwise get the sign-in page
    swapped into a fragment of the page. Tell htmx to load the sign-in page instead."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request")
            and response.status_code == 302
            and response.get("Location", "").startswith(reverse("accounts:login"))
        ):
            redirected = HttpResponse(status=204)
            redirected["HX-Redirect"] = response["Location"]
            return redirected
        return response


class TwoFactorEnforcementMiddleware:
    """When the clinic requires two-factor authentication, a signed-in member of staff who
    has not enrolled can reach only the enrolment page, sign-out and static files.
    Patients' portal accounts are exempt: for them two-factor is their choice (issue 11)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.two_factor_enabled
            and user.role != "patient"
            and not request.path.startswith(f"/{settings.STATIC_URL}")
            and request.path
            not in {reverse("accounts:two_factor_enrol"), reverse("accounts:logout")}
            and clinic_settings().require_two_factor
        ):
            if is_api_request(request):
                return api_refusal(
                    request,
                    status=403,
                    code="two_factor_required",
                    message="Enrol two-factor authentication before using the API.",
                )
            messages.warning(
                request, "This clinic requires two-factor authentication. Set it up to continue."
            )
            return redirect("accounts:two_factor_enrol")
        return self.get_response(request)


def _is_uuid(value: object) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def record_refusal(request: HttpRequest, status: int) -> None:
    """Audit a 403 or 404 raised by a view for a signed-in user (the pages' middleware
    below and the API's error handlers both call this)."""
    if not request.user.is_authenticated:
        return
    match = request.resolver_match
    kwargs = match.kwargs if match is not None else {}
    # The record asked for: the first id in the address, whatever its name (session_id,
    # plan_id, …; issue 14: refusals of those left object_id empty).
    target = next((str(v) for v in kwargs.values() if _is_uuid(v)), None)
    audit_denied(
        actor=actor_from_request(request, "api" if is_api_request(request) else "web"),
        status=status,
        method=request.method or "",
        path=request.path,
        target=target,
    )


class RefusalAuditMiddleware:
    """Pages: a view that refuses (403) or does not find (404) a record leaves an audit
    event, so that probing for other practitioners' patients shows in the log."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, Http404):
            record_refusal(request, 404)
        elif isinstance(exception, PermissionDenied):
            record_refusal(request, 403)
