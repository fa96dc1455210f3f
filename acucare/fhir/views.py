"""Read-only FHIR R4 endpoints under /fhir/r4/ (docs/fhir.md).

Authentication is the API's (a personal access token, `Authorization: Bearer acu_…`, or
the browser session); access rules are the API's, through the FHIR selectors. Every
answer is FHIR JSON (`application/fhir+json`); every refusal or error is an
`OperationOutcome` with the HTTP status FHIR's RESTful API gives it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from acucare.accounts.api import API_AUTH
from acucare.accounts.middleware import record_refusal
from acucare.core.actor import actor_from_request
from acucare.domain.fhir import outcome
from acucare.fhir import capability
from acucare.fhir.mapping import Resource
from acucare.fhir.selectors import (
    fhir_everything,
    fhir_observations,
    fhir_patient,
    record_export_file,
)
from acucare.fhir.services import record_export_start as record_export_start_service
from acucare.fhir.terminology import questionnaire_for

CONTENT_TYPE = outcome.CONTENT_TYPE
View = Callable[..., HttpResponse]


def fhir_response(resource: Resource, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False, separators=(",", ":")),
        content_type=CONTENT_TYPE,
        status=status,
    )


def operation_outcome(status: int, code: str, message: str) -> HttpResponse:
    """An error as FHIR reports one: `code` from the issue-type value set."""
    return fhir_response(outcome.operation_outcome(code, message), status)


def _authenticated(request: HttpRequest) -> bool:
    """The API's authentication: a token, else the signed-in browser session."""
    return any(auth(request) for auth in API_AUTH)


def fhir_view(view: View) -> View:
    """Authenticate, then answer errors as OperationOutcomes (and audit refusals)."""

    @require_GET
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _authenticated(request):
            response = operation_outcome(
                401, "login", "Sign in, or send a valid personal access token."
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
        try:
            return view(request, *args, **kwargs)
        except Http404:
            record_refusal(request, 404)
            return operation_outcome(404, "not-found", "Not found.")
        except PermissionDenied as exc:
            record_refusal(request, 403)
            return operation_outcome(403, "forbidden", str(exc) or "Your role does not allow this.")

    return wrapped


def bundle(request: HttpRequest, resources: list[Resource]) -> Resource:
    """A searchset Bundle: each entry's fullUrl is its RESTful address here, so the
    relative references inside (`Patient/…`) resolve within the Bundle."""
    base = request.build_absolute_uri("/fhir/r4/")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": request.build_absolute_uri()}],
        "entry": [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR servers make it (it reads no record)."""
    return fhir_response(capability.capability_statement(request.build_absolute_uri("/fhir/r4")))


@fhir_view
def patient_read(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = actor_from_request(request, "api")
    return fhir_response(fhir_patient(actor=actor, patient_id=patient_id))


@fhir_view
def patient_everything(request: HttpRequest, patient_id: str) -> HttpResponse:
    actor = actor_from_request(request, "api")
    site = request.build_absolute_uri("/").rstrip("/")
    resources = fhir_everything(actor=actor, patient_id=patient_id, site=site)
    return fhir_response(bundle(request, resources))


SEARCH_PARAMETERS = ("patient",)


@fhir_view
def observation_search(request: HttpRequest) -> HttpResponse:
    unknown = sorted(set(request.GET) - {*SEARCH_PARAMETERS, "_format"})
    if unknown:
        return operation_outcome(
            400, "not-supported", f"Unknown search parameter {unknown[0]}; supported: patient."
        )
    if request.GET.get("_format", "json") not in {"json", "application/fhir+json"}:
        return operation_outcome(400, "not-supported", "Only JSON is served (_format=json).")
    patient = request.GET.get("patient", "").strip().removeprefix("Patient/")
    if not patient:
        return operation_outcome(
            400, "required", "The patient search parameter is required: Observation?patient=ID."
        )
    actor = actor_from_request(request, "api")
    return fhir_response(bundle(request, fhir_observations(actor=actor, patient_id=patient)))


@fhir_view
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    resource = questionnaire_for(questionnaire_id)
    if resource is None:
        raise Http404
    return fhir_response(resource)


# --------------------------------------------------------------------------- full record


@login_required
@require_POST
def record_export_start(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Export a patient's full record: queued; the chart lists it until it is ready."""
    actor = actor_from_request(request)
    record_export_start_service(
        actor=actor, patient_id=patient_id, base_url=request.build_absolute_uri("/fhir/r4/")
    )
    messages.info(
        request,
        "The archive is being prepared. It is listed under “Full record export” below; "
        "reload the page to see when it is ready to download.",
    )
    return redirect("patients:chart", patient_id)


@login_required
@require_GET
def record_export_download(request: HttpRequest, run_id: str) -> FileResponse:
    name, path = record_export_file(actor=actor_from_request(request), run_id=run_id)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
