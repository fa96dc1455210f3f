"""Security middleware: Content-Security-Policy, idle session timeout, and clinic-wide
enforcement of two-factor authentication."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from acucare.accounts.actor import actor_from_request
from acucare.accounts.services import clinic, logged_out

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


class TwoFactorEnforcementMiddleware:
    """When the clinic requires two-factor authentication, a signed-in user who has not
    enrolled can reach only the enrolment page, sign-out and static files."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.two_factor_enabled  # type: ignore[union-attr]
            and not request.path.startswith(f"/{settings.STATIC_URL}")
            and request.path
            not in {reverse("accounts:two_factor_enrol"), reverse("accounts:logout")}
            and clinic().require_two_factor
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
