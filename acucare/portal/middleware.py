"""Keeps a patient's portal account inside the portal.

Every staff page and API operation already refuses a patient through its role checks;
this is the second, blunter line (safety fails closed): a signed-in patient's request
to anything but the portal, signing in and out, their own password and two-factor
pages, static files and the public FHIR CapabilityStatement is refused with 403 and
audited, before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from acucare.accounts.middleware import api_refusal, is_api_request, record_refusal
from acucare.accounts.models import Role

Handler = Callable[[HttpRequest], HttpResponse]

PATIENT_PREFIXES = ("/portal/",)
PATIENT_PAGES = frozenset(
    {
        "/",
        "/sign-in/",
        "/sign-in/code/",
        "/sign-out/",
        "/account/password/",
        "/account/two-factor/",
        "/healthz",
        "/readyz",
        # The FHIR server's CapabilityStatement: public, and holds no record.
        "/fhir/r4/metadata",
    }
)


def patient_may_request(path: str) -> bool:
    static = f"/{settings.STATIC_URL.strip('/')}/"
    return path in PATIENT_PAGES or path.startswith((*PATIENT_PREFIXES, static))


class PatientBoundaryMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.role == Role.PATIENT
            and not patient_may_request(request.path)
        ):
            record_refusal(request, 403)
            if is_api_request(request):
                return api_refusal(
                    request,
                    status=403,
                    code="forbidden",
                    message="Patients use the portal, not the clinic's API.",
                )
            raise PermissionDenied("This page is for clinic staff.")
        return self.get_response(request)
