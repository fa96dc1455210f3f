"""Patient pages. Views only translate HTTP: reads go through `selectors`, writes
through `services`, and both reach patients only through `access`."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.accounts import submissions
from acucare.core.actor import actor_from_request
from acucare.core.forms import apply_input_error
from acucare.core.once import resend_shows
from acucare.core.roles import require_patient_staff, require_practitioner
from acucare.domain.errors import ConflictError, InputError
from acucare.patients import selectors, services
from acucare.patients.chart_sections import chart_sections
from acucare.patients.conditions import search_conditions
from acucare.patients.forms import (
    MAX_CONDITIONS,
    REFERRAL_FIELDS,
    EpisodeEditForm,
    EpisodeForm,
    PatientForm,
)
from acucare.patients.models import Patient


@login_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = selectors.patient_list(actor=actor, query=request.GET.get("q", ""), page=page_number)
    partial = (
        request.headers.get("HX-Request") and request.headers.get("HX-Target") == "patient-results"
    )
    template = "patients/_list_results.html" if partial else "patients/list.html"
    response = render(request, template, {"page": page, "clinical": actor.is_practitioner})
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _demographics(data: dict[str, object]) -> services.Demographics:
    return services.Demographics(
        given_name=str(data["given_name"]),
        family_name=str(data["family_name"]),
        preferred_name=str(data.get("preferred_name") or ""),
        date_of_birth=data["date_of_birth"],  # type: ignore[arg-type]
        sex=str(data["sex"]),
        phone=str(data.get("phone") or ""),
        email=str(data.get("email") or ""),
        address=str(data.get("address") or ""),
        gp_name=str(data.get("gp_name") or ""),
        gp_practice=str(data.get("gp_practice") or ""),
        gp_address=str(data.get("gp_address") or ""),
        gp_email=str(data.get("gp_email") or ""),
    )


def _practitioner_choice(data: dict[str, object]) -> uuid.UUID | None:
    value = data.get("primary_practitioner")
    return uuid.UUID(str(value)) if value else None


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the patient was registered", "patients:chart", record="public_id")
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_patient_staff(actor)
    form = PatientForm(
        request.POST or None,
        practitioners=selectors.active_practitioners(),
        show_practitioner=actor.is_reception,
    )
    duplicates: list[Patient] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("not_a_duplicate"):
            duplicates = selectors.possible_duplicates(
                actor=actor,
                given_name=str(data["given_name"]),
                family_name=str(data["family_name"]),
                date_of_birth=data["date_of_birth"],
            )
        if duplicates and data.get("submission"):
            # A resend of a registration that was saved finds the patient it made: that is
            # the same registration, shown as such (`resend_shows`), not a possible duplicate.
            try:
                submissions.refuse_if_claimed(
                    actor=actor, key=data["submission"], object_type="patient"
                )
            except ConflictError as error:
                form.add_error(None, error.message)
                duplicates = []
    if duplicates:
        return render(
            request,
            "patients/form.html",
            {"form": form, "patient": None, "duplicates": duplicates},
        )
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                actor=actor,
                demographics=_demographics(form.cleaned_data),
                primary_practitioner=_practitioner_choice(form.cleaned_data),
                submission=form.cleaned_data.get("submission"),
            )
        except InputError as error:
            apply_input_error(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{patient.full_name} is registered.")
            return redirect("patients:chart", public_id=patient.public_id)
    status = 422 if form.errors else 200
    return render(request, "patients/form.html", {"form": form, "patient": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    patient = selectors.patient_for_edit(actor=actor, patient_id=public_id)
    initial = {name: getattr(patient, name) for name in services.DEMOGRAPHIC_FIELDS}
    initial["version"] = patient.version
    initial["primary_practitioner"] = str(patient.primary_practitioner.public_id)
    form = PatientForm(
        request.POST or None,
        initial=initial,
        practitioners=selectors.active_practitioners(),
        show_practitioner=actor.is_reception,
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                actor=actor,
                patient_id=patient.public_id,
                version=form.cleaned_data["version"] or 0,
                demographics=_demographics(form.cleaned_data),
                primary_practitioner=_practitioner_choice(form.cleaned_data),
            )
        except InputError as error:
            apply_input_error(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            conflict = True
        else:
            messages.success(request, "Details saved.")
            return redirect("patients:chart", public_id=patient.public_id)
    status = 409 if conflict else (422 if form.errors else 200)
    return render(request, "patients/form.html", {"form": form, "patient": patient}, status=status)


@login_required
@require_GET
def patient_chart(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    chart = selectors.patient_chart(actor=actor, patient_id=public_id)
    share_choices = None
    if chart.clinical and chart.patient.primary_practitioner_id == actor.user.pk:
        # The share form's options, drawn by the chart template itself (Django's widget
        # templates cost two template renders per option); `patient_share` validates.
        share_choices = selectors.share_choices(actor=actor, chart=chart)
    # The apps built on patients add their sections (the current assessment of each
    # episode, the appointments): see `acucare.patients.chart_sections`.
    return render(
        request,
        "patients/chart.html",
        {"chart": chart, "share_choices": share_choices, **chart_sections(actor, chart)},
    )


@login_required
@require_POST
def patient_share(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        services.patient_share(
            actor=actor, patient_id=public_id, practitioner=request.POST.get("practitioner", "")
        )
    except InputError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Shared.")
    return redirect("patients:chart", public_id=public_id)


@login_required
@require_POST
def patient_unshare(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        services.patient_unshare(
            actor=actor, patient_id=public_id, practitioner=request.POST.get("practitioner", "")
        )
    except InputError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "No longer shared.")
    return redirect("patients:chart", public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the episode was opened", "patients:chart", route={"public_id": "public_id"})
def episode_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    require_practitioner(actor)
    patient = selectors.patient_for_edit(actor=actor, patient_id=public_id, clinical=True)
    # "Search" is the form's first button, so Enter in any field presses it: only a
    # typed query makes it a look-up; otherwise the episode is opened as asked.
    looking_up = "lookup" in request.POST and request.POST.get("q", "").strip()
    if request.method == "POST" and (looking_up or "use_code" in request.POST):
        return _episode_lookup(request, patient)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conditions = [
            services.ConditionInput(data[f"icd10_{i}"], data.get(f"weeks_{i}"))
            for i in range(MAX_CONDITIONS)
            if data.get(f"icd10_{i}")
        ]
        try:
            episode = services.episode_create(
                actor=actor,
                patient_id=public_id,
                complaint=data["complaint"],
                started_on=data["started_on"],
                conditions=conditions,
                referral=form.referral(),
                submission=data.get("submission"),
            )
        except ConflictError as error:
            form.add_error(None, error.message)
        except InputError as error:
            field = error.field
            if field.startswith("conditions["):
                index = field[len("conditions[") : field.index("]")]
                field = ("weeks_" if field.endswith("duration_weeks") else "icd10_") + index
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, f"Episode “{episode.complaint}” opened.")
            return redirect("patients:chart", public_id=public_id)
    status = 422 if form.errors else 200
    return render(
        request, "patients/episode_form.html", {"form": form, "patient": patient}, status=status
    )


def _episode_lookup(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The look-up inside the new-episode form, without JavaScript: "Search" sends the
    whole form back with the query, "Use" with the chosen code, which fills the first
    empty condition row (or the last one when all are taken). Nothing is saved and what
    was typed is kept."""
    values = {
        key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"
    }
    code = request.POST.get("use_code", "").strip()
    if code:
        rows = [f"icd10_{i}" for i in range(MAX_CONDITIONS)]
        free = next((name for name in rows if not values.get(name)), rows[-1])
        values[free] = code
        values["q"] = ""  # the look-up is done; Enter now opens the episode
    form = EpisodeForm(initial=values)
    query = values.get("q", "")
    return render(
        request,
        "patients/episode_form.html",
        {
            "form": form,
            "patient": patient,
            "query": query,
            "results": search_conditions(query) if query and not code else [],
            "used": code,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    episode = selectors.episode_detail(actor=actor, episode_id=public_id)
    initial = {
        "complaint": episode.complaint,
        "status": episode.status,
        "ended_on": episode.ended_on,
        "version": episode.version,
        **{name: getattr(episode, name) for name in REFERRAL_FIELDS},
    }
    form = EpisodeEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.episode_update(
                actor=actor,
                episode_id=episode.public_id,
                version=data["version"],
                complaint=data["complaint"],
                status=data["status"],
                ended_on=data.get("ended_on"),
                referral=form.referral(),
            )
        except InputError as error:
            apply_input_error(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, "Episode saved.")
            return redirect("patients:chart", public_id=episode.patient.public_id)
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "patients/episode_edit.html",
        {"form": form, "episode": episode, "referral_names": REFERRAL_FIELDS},
        status=status,
    )


@login_required
@require_GET
def condition_search(request: HttpRequest) -> HttpResponse:
    """ICD-10-CM search by code or name: an htmx fragment, or a full page without JS."""
    actor = actor_from_request(request)
    require_practitioner(actor)
    query = request.GET.get("q", "")
    results = search_conditions(query)
    template = (
        "patients/_condition_results.html"
        if request.headers.get("HX-Request")
        else "patients/condition_search.html"
    )
    # `pick`: the results sit inside the new-episode form, each with a "Use" button.
    pick = request.GET.get("pick") == "1"
    response = render(request, template, {"query": query, "results": results, "pick": pick})
    patch_vary_headers(response, ["HX-Request"])
    return response
