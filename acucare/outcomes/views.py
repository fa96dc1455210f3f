"""Outcome pages. Views only translate HTTP: reads through `selectors`, writes through
`services`; every form works without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from acucare.core.actor import actor_from_request
from acucare.core.once import resend_shows
from acucare.domain.errors import ConflictError, InputError
from acucare.outcomes import engine, selectors, services
from acucare.outcomes.forms import (
    DischargeForm,
    MeasurementForm,
    ReviewForm,
    ScheduleForm,
    schedule_initial,
)
from acucare.outcomes.models import DischargeReason, MeasurementKind
from acucare.outcomes.progress import Progress, instruments_for, timepoint_label
from acucare.treatment import selectors as treatment

KIND_TITLES = {
    "baseline": "Baseline questionnaires",
    "review": "Review questionnaires",
    "discharge": "Discharge questionnaires",
    "followup": "Follow-up questionnaires",
}
# What a discharge reason follows from, for the form's first suggestion.
DECISION_REASONS = {"stop": "no_response", "refer": "referred", "discharge": "goals_met"}


def _context(progress: Progress, **extra: Any) -> dict[str, Any]:
    return {
        "progress": progress,
        "episode": progress.episode,
        "patient": progress.episode.patient,
        "review": progress.review,
        **extra,
    }


@login_required
@require_GET
def episode_outcomes(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    progress = selectors.episode_progress(actor=actor_from_request(request), episode_id=episode_id)
    return render(request, "outcomes/episode.html", _context(progress))


def _measurement_form(progress: Progress, kind: str, data: Any = None) -> MeasurementForm:
    return MeasurementForm(
        data,
        instruments=instruments_for(progress, kind),
        pgic=kind != "baseline",
        initial={"submission": uuid.uuid4()},
        prefix="m",
    )


def _back_name(back: str) -> str:
    return f"outcomes:{back}" if back in ("review", "discharge") else "outcomes:episode"


def _back_to(request: HttpRequest) -> str:
    """Where a measurement form returns: the review or discharge page it was opened from."""
    return _back_name(request.POST.get("next") or request.GET.get("next") or "")


def _back(back: str, episode_id: uuid.UUID) -> HttpResponse:
    return redirect(_back_name(back), episode_id=episode_id)


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the measurements were saved", _back_to, route={"episode_id": "episode_id"})
def measurement_create(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    if kind not in MeasurementKind.values:
        raise Http404("No such timepoint.")
    actor = actor_from_request(request)
    progress = selectors.episode_progress(actor=actor, episode_id=episode_id)
    form = _measurement_form(progress, kind, request.POST or None)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_record(
                actor=actor,
                episode_id=episode_id,
                kind=kind,
                scores=form.scores(),
                pgic=form.pgic(),
                medications=form.medications(),
                date=form.cleaned_data.get("date"),
                submission=form.cleaned_data.get("submission"),
            )
        except ConflictError as error:
            form.add_error(None, error.message)
        except InputError as error:
            form.show(error)
        else:
            messages.success(request, f"{KIND_TITLES[kind]} saved.")
            return _back(back, episode_id)
    status = 422 if form.errors else 200
    return render(
        request,
        "outcomes/measurement.html",
        _context(progress, form=form, kind=kind, title=KIND_TITLES[kind], next=back),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the review was signed", "outcomes:episode", route={"episode_id": "episode_id"})
def review(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    progress = selectors.episode_progress(actor=actor, episode_id=episode_id)
    form = ReviewForm(
        request.POST or None,
        initial={"decision": progress.recommended_decision, "submission": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.review_record(
                actor=actor,
                episode_id=episode_id,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                submission=form.cleaned_data.get("submission"),
            )
        except InputError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
        else:
            return _after_review(request, record.decision, progress, episode_id)
    recorded = any(
        m.kind == "review" and m.session == progress.sessions_delivered
        for m in progress.measurements
    )
    return render(
        request,
        "outcomes/review.html",
        _context(
            progress,
            form=form,
            measure=None if recorded else _measurement_form(progress, "review"),
            recorded=recorded,
        ),
        status=422 if form.errors else 200,
    )


def _after_review(
    request: HttpRequest, decision: str, progress: Progress, episode_id: uuid.UUID
) -> HttpResponse:
    if decision == "change_plan" and progress.plan is not None:
        messages.success(
            request,
            "Review signed. Change the plan here: each point is checked for this patient as "
            "you add it, and the changed plan needs approving again before the next session.",
        )
        return redirect("treatment:plan", plan_id=progress.plan.public_id)
    if decision in DECISION_REASONS:
        messages.success(request, "Review signed. Record the discharge.")
        url = f"/outcomes/episodes/{episode_id}/discharge/?reason={DECISION_REASONS[decision]}"
        return redirect(url)
    messages.success(request, "Review signed. Continue the plan.")
    return redirect("outcomes:episode", episode_id=episode_id)


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the episode was discharged", "outcomes:episode", route={"episode_id": "episode_id"})
def discharge(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    progress = selectors.episode_progress(actor=actor, episode_id=episode_id)
    suggested = request.GET.get("reason", "")
    form = DischargeForm(
        request.POST or None,
        initial={
            "reason": suggested if suggested in DischargeReason.values else "",
            "submission": uuid.uuid4(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.discharge_record(
                actor=actor,
                episode_id=episode_id,
                reason=form.cleaned_data["reason"],
                advice=form.cleaned_data["advice"],
                date=form.cleaned_data.get("date"),
                submission=form.cleaned_data.get("submission"),
            )
        except (InputError, ConflictError) as error:
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, "Discharged. The follow-ups are scheduled.")
            return redirect("outcomes:episode", episode_id=episode_id)
    recorded = any(m.kind == "discharge" for m in progress.measurements)
    return render(
        request,
        "outcomes/discharge.html",
        _context(
            progress,
            form=form,
            measure=None
            if recorded or progress.discharged
            else _measurement_form(progress, "discharge"),
        ),
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    plan = treatment.plan_detail(actor=actor, plan_id=plan_id)
    progress = selectors.plan_progress(plan)
    row = (
        progress.schedule_row if progress.plan is not None and progress.plan.pk == plan.pk else None
    )
    schedule = progress.schedule if row is not None or plan.status == "approved" else []
    if not schedule and plan.status == "approved":
        schedule = engine.derived_schedule(plan.document)
    form = ScheduleForm(
        request.POST or None,
        initial=schedule_initial(schedule, row.payer if row else "", row.version if row else 0),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.schedule_update(
                actor=actor,
                plan_id=plan_id,
                version=data.get("version") or 0,
                each_session=data["each_session"],
                reviews=ScheduleForm.numbers(data["reviews"], "reviews"),
                review_instruments=data["review_instruments"],
                discharge_instruments=data["discharge_instruments"],
                followup_days=ScheduleForm.numbers(data["followup_days"], "followup_days"),
                payer=data.get("payer") or "",
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        except InputError as error:
            name = error.field.split("[")[0]
            form.add_error(name if name in form.fields else None, error.message)
        else:
            messages.success(request, "Measurement schedule saved.")
            return redirect("outcomes:episode", episode_id=plan.episode.public_id)
    if form.errors and status == 200:
        status = 422
    rows = [{"when": timepoint_label(t), "t": t} for t in schedule]
    return render(
        request,
        "outcomes/schedule.html",
        {
            "plan": plan,
            "episode": plan.episode,
            "form": form,
            "rows": rows,
            "edited": row is not None,
        },
        status=status,
    )
