"""Intake, screening and acknowledgement pages. Views only translate HTTP: reads go
through `selectors`, writes through `services`, and both reach patients only through
`acucare.patients.access`."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.assessments import body_map, selectors, services
from acucare.assessments.forms import IntakeForm, OutcomeForm, initial_from, intake_instruments
from acucare.assessments.models import Assessment
from acucare.assessments.presentation import (
    ScoreView,
    finding_views,
    intake_scores,
    resolve_citation,
    score_view,
)
from acucare.assessments.questions import HISTORY_LABELS, LIMB_LABELS, MODALITY_LABELS
from acucare.core.actor import actor_from_request
from acucare.core.forms import apply_input_error
from acucare.core.once import resend_shows
from acucare.core.roles import require_practitioner
from acucare.domain import referrals
from acucare.domain.errors import ConflictError, InputError
from acucare.patients import selectors as patient_selectors


def _live_scores(form: IntakeForm) -> dict[str, ScoreView]:
    """Scores of the questionnaires answered so far (for a form shown again)."""
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return {}
    scores = {}
    for questionnaire in form.questionnaires:
        answers = form.answers(questionnaire.instrument.id)
        if answers:
            view = score_view(questionnaire.instrument.id, answers)
            if view is not None:
                scores[questionnaire.instrument.id] = view
    return scores


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the intake was saved", "assessments:detail", record="public_id")
def intake(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    episode = patient_selectors.episode_detail(actor=actor, episode_id=public_id)
    current = selectors.current_assessment(actor=actor, episode=episode)
    patient = episode.patient
    initial = initial_from(
        current.intake_document if current else None, age=patient.age(), sex=patient.sex
    )
    initial["based_on"] = current.public_id if current else None
    form = IntakeForm(request.POST or None, initial=initial, episode=episode)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            document = form.intake_document()
            try:
                assessment = services.assessment_create(
                    actor=actor,
                    episode_id=episode.public_id,
                    intake_document=document,
                    based_on=form.cleaned_data.get("based_on"),
                    check_based_on=True,
                    submission=form.cleaned_data.get("submission"),
                )
            except InputError as error:
                form.apply_input_error(error, document)
            except ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                messages.success(request, "Intake saved and screened.")
                return redirect("assessments:detail", public_id=assessment.public_id)
        if status == 200:
            status = 422
    context = {
        "form": form,
        "episode": episode,
        "patient": patient,
        "current": current,
        "regions": body_map.regions(),
        "viewbox": body_map.VIEWBOX,
        "selected_sites": form.selected_pain_sites(),
        "scores": _live_scores(form),
    }
    return render(request, "assessments/intake.html", context, status=status)


@login_required
@require_GET
def score(request: HttpRequest, instrument_id: str) -> HttpResponse:
    """A questionnaire's score from the answers so far: an htmx fragment (no patient
    data: the answers are in the request and nothing is stored)."""
    require_practitioner(actor_from_request(request))
    instrument = next((i for i in intake_instruments() if i.id == instrument_id), None)
    if instrument is None:
        raise Http404("No such questionnaire.")
    answers: dict[str, object] = {}
    for item in instrument.items:
        value = request.GET.get(f"q_{instrument.id}_{item.number}", "")
        if value:
            answers[str(item.number)] = int(value) if value.lstrip("-").isdigit() else value
    view = score_view(instrument.id, answers) if answers else None
    response = render(request, "assessments/_score.html", {"view": view, "instrument": instrument})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_context(assessment: Assessment) -> dict[str, Any]:
    document = assessment.intake_document
    screening = assessment.screening_document
    labels = {s.name: s.label for s in body_map.sites()}
    outcomes = selectors.referral_outcomes(assessment=assessment)
    followed = referrals.apply_referral_outcomes(screening, outcomes)
    return {
        "assessment": assessment,
        "episode": assessment.episode,
        "patient": assessment.episode.patient,
        "findings": finding_views(assessment, outcomes),
        # The decision as the referral outcomes leave it (the stored screening is kept).
        "decision": followed["decision"],
        "outcome_form": OutcomeForm(),
        "clearance_citations": [resolve_citation(c) for c in referrals.CLEARANCE_CITATIONS],
        "unacknowledged": selectors.unacknowledged_findings(assessment=assessment),
        "scores": intake_scores(document),
        "intake": document,
        "screening": screening,
        "pain_sites": [labels.get(s, s) for s in document.get("pain_sites", [])],
        "lesion_sites": [labels.get(s, s) for s in document.get("skin_lesion_sites", [])],
        "history": [HISTORY_LABELS.get(h, h) for h in document.get("history", [])],
        "limbs": [LIMB_LABELS.get(limb, limb) for limb in document.get("limbs_at_risk", [])],
        "declined": [
            MODALITY_LABELS.get(m, m)
            for m in document.get("preferences", {}).get("declined_modalities", [])
        ],
        "blocked_modalities": [
            MODALITY_LABELS.get(m, m) for m in screening.get("blocked_modalities", [])
        ],
        "blocked_sites": [labels.get(s, s) for s in screening.get("blocked_sites", [])],
        "blocked_limbs": [LIMB_LABELS.get(x, x) for x in screening.get("blocked_limbs", [])],
        "blocked_techniques": [
            (t["technique"].replace("_", " "), [labels.get(s, s) for s in t.get("sites", [])])
            for t in screening.get("blocked_techniques", [])
        ],
        "blocked_modality_sites": [
            (
                MODALITY_LABELS.get(m["modality"], m["modality"]),
                [labels.get(s, s) for s in m["sites"]],
            )
            for m in screening.get("blocked_modality_sites", [])
        ],
        "caution_sites": [labels.get(s, s) for s in screening.get("caution_sites", [])],
    }


@login_required
@require_GET
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    assessment = selectors.assessment_detail(actor=actor, assessment_id=public_id)
    return render(request, "assessments/detail.html", _detail_context(assessment))


@login_required
@require_POST
def acknowledge(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    rule = request.POST.get("rule", "")
    try:
        services.finding_acknowledge(
            actor=actor, assessment_id=public_id, rule=rule, note=request.POST.get("note", "")
        )
    except InputError as error:
        assessment = selectors.assessment_detail(actor=actor, assessment_id=public_id)
        context = _detail_context(assessment)
        context["ack_error"] = {"rule": rule, "field": error.field, "message": error.message}
        context["ack_note"] = request.POST.get("note", "")
        return render(request, "assessments/detail.html", context, status=422)
    messages.success(request, "Finding acknowledged.")
    return redirect("assessments:detail", public_id=public_id)


@login_required
@require_POST
def referral_outcome(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record what the doctor decided about a referral: cleared for treatment or not."""
    actor = actor_from_request(request)
    rule = request.POST.get("rule", "")
    form = OutcomeForm(request.POST)
    error: InputError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_outcome_record(
                actor=actor,
                assessment_id=public_id,
                outcome=services.OutcomeInput(
                    rule=rule,
                    cleared={"cleared": True, "not_cleared": False}.get(data["outcome"]),
                    clinician=data["clinician"],
                    decided_on=data["decided_on"],
                    note=data.get("note") or "",
                ),
            )
        except InputError as caught:
            error = caught
        else:
            cleared = data["outcome"] == "cleared"
            messages.success(
                request,
                "Referral outcome recorded: cleared for treatment. Generate a new plan to "
                "follow it."
                if cleared
                else "Referral outcome recorded: not cleared. No acupuncture is planned.",
            )
            return redirect("assessments:detail", public_id=public_id)
    assessment = selectors.assessment_detail(actor=actor, assessment_id=public_id)
    context = _detail_context(assessment)
    if error is not None:
        if error.field == "cleared":
            form.add_error("outcome", error.message)
        else:
            apply_input_error(form, error)
    context["outcome_form"] = form
    context["outcome_rule"] = rule
    return render(request, "assessments/detail.html", context, status=422)


@login_required
@require_GET
def episode_assessments(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    found = selectors.assessment_list(actor=actor, episode_id=public_id)
    return render(
        request,
        "assessments/episode.html",
        {"episode": found.episode, "patient": found.episode.patient, "found": found},
    )
