"""Security middleware: Content-Security-Policy, idle session timeout, and clinic-wide
enforcement of two-factor authentication."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from acucare.accounts.selectors import clinic_settings
from acucare.accounts.services import logged_out
from acucare.audit.services import audit_denied
from acucare.core.actor import actor_from_request

Handler = Callable[[HttpRequest], HttpResponse]
LAST_SEEN = "acucare_last_seen"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", settings.ACUCARE_CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class IdleTimeoutMiddleware:
    """Signs a browser session out after ACUCARE_IDLE_TIMEOUT_MINUTES without a request.

    Token-authenticated API calls carry no session and are not affected."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            limit = settings.ACUCARE_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - float(last) > limit:
                logged_out(actor=actor_from_request(request), reason="idle")
                logout(request)
                if _is_api(request):
                    return JsonResponse(
                        {
                            "error": {
                                "code": "session_expired",
                                "message": "Signed out after inactivity.",
                            }
                        },
                        status=401,
                    )
                messages.info(
                    request,
                    f"You were signed out after {settings.ACUCARE_IDLE_TIMEOUT_MINUTES} minutes "
                    "without activity. Sign in again to continue.",
                )
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Refresh the mark at most every 30 s so that not every request writes the session.
            if last is None or now - float(last) > 30:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


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
    """When the clinic requires two-factor authentication, a signed-in user who has not
    enrolled can reach only the enrolment page, sign-out and static files."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.two_factor_enabled
            and not request.path.startswith(f"/{settings.STATIC_URL}")
            and request.path
            not in {reverse("accounts:two_factor_enrol"), reverse("accounts:logout")}
            and clinic_settings().require_two_factor
        ):
            if _is_api(request):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "Enrol two-factor authentication before using the API.",
                        }
                    },
                    status=403,
                )
            messages.warning(
                request, "This clinic requires two-factor authentication. Set it up to continue."
            )
            return redirect("accounts:two_factor_enrol")
        return self.get_response(request)


def record_refusal(request: HttpRequest, status: int) -> None:
    """Audit a 403 or 404 raised by a view for a signed-in user (the pages' middleware
    below and the API's error handlers both call this)."""
    if not request.user.is_authenticated:
        return
    match = request.resolver_match
    kwargs = match.kwargs if match is not None else {}
    target = next(
        (str(kwargs[k]) for k in ("public_id", "patient_id", "episode_id") if k in kwargs), None
    )
    audit_denied(
        actor=actor_from_request(request, "api" if _is_api(request) else "web"),
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
