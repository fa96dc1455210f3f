"""Plan and session pages. Views only translate HTTP: reads through `selectors`, writes
through `services`; every form works without JavaScript, htmx adds the live checks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.accounts.selectors import signing_refusal
from acucare.core.actor import actor_from_request
from acucare.core.once import resend_shows
from acucare.core.roles import require_practitioner
from acucare.domain.errors import ConflictError, InputError
from acucare.patients.selectors import episode_is_discharged
from acucare.treatment import charting, checks, selectors, services, session_form
from acucare.treatment.charting import parse_point_edit, parse_session_elements
from acucare.treatment.models import TreatmentPlan
from acucare.treatment.reported_pain import ReportedPain, reported_pain

SIDES = ["bilateral", "left", "right", "midline"]


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _submission(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- Episode: plans and sessions -------------------------------------------------------


@login_required
@require_GET
def episode_treatment(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    view = selectors.episode_treatment(actor=actor, episode_id=episode_id)
    return render(
        request,
        "treatment/episode.html",
        {"view": view, "episode": view.episode, "submission": uuid.uuid4()},
    )


@login_required
@require_POST
@resend_shows("the plan was generated", "treatment:plan", record="plan_id")
def plan_generate(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        record = services.plan_generate(
            actor=actor,
            episode_id=episode_id,
            submission=_submission(request.POST.get("submission")),
        )
    except (InputError, ConflictError) as error:
        messages.error(request, error.message)
        return redirect("treatment:episode", episode_id=episode_id)
    messages.success(request, "A draft plan was generated. Review it, then approve it.")
    return redirect("treatment:plan", plan_id=record.public_id)


# --- The plan page ------------------------------------------------------------------------


def _describe(part: object) -> str:
    """A substitution's `instead_of` or `use`: a point and side, a modality, a region…"""
    if not isinstance(part, dict):
        return str(part) if part else ""
    if part.get("code"):
        side = part.get("side") or part.get("sides")
        return f"{part['code']} ({side})" if side else str(part["code"])
    return ", ".join(str(v) for v in part.values() if v not in (None, "", []))


def _short(authors: str, year: int) -> str:
    """'Brinkhaus B, Witt CM, …' → 'Brinkhaus 2006'."""
    first = authors.split(",")[0].strip()
    surname = first.rsplit(" ", 1)[0] if " " in first else first
    return f"{surname or 'Source'} {year}"


def _plan_context(record: TreatmentPlan, **extra: Any) -> dict[str, Any]:
    document = record.document
    acupuncture = record.acupuncture or {}
    names = selectors.point_names()
    citation_ids: list[str] = list(document.get("citations", []))
    for point in acupuncture.get("points", []):
        citation_ids.extend(point.get("citations", []))
    citation_ids.extend(acupuncture.get("citations", []))
    points = [
        {
            **p,
            "point": names.get(p["code"]),
            "sources": [
                {"id": c.id, "label": _short(c.authors, c.year)}
                for c in selectors.citation_entries(p.get("citations", []))
            ],
        }
        for p in acupuncture.get("points", [])
    ]
    substitutions = [
        {
            **sub,
            "instead": _describe(sub.get("instead_of")),
            "replacement": _describe(sub.get("use")),
        }
        for sub in acupuncture.get("substitutions", [])
    ]
    return {
        "plan": record,
        "substitutions": substitutions,
        "document": document,
        "acupuncture": record.acupuncture,
        "points": points,
        "bibliography": selectors.citation_entries(citation_ids),
        "sides": SIDES,
        **extra,
    }


@login_required
@require_GET
def plan_detail(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.plan_detail(actor=actor, plan_id=plan_id)
    return render(request, "treatment/plan.html", _plan_context(record))


def _plan_write(request: HttpRequest, plan_id: uuid.UUID, action: str) -> HttpResponse:
    actor = actor_from_request(request)
    version = _int(request.POST.get("version"))
    try:
        if action == "add":
            services.plan_point_add(
                actor=actor,
                plan_id=plan_id,
                version=version,
                point={
                    "code": request.POST.get("code", ""),
                    "side": request.POST.get("side", ""),
                    "why": request.POST.get("why", ""),
                },
            )
            messages.success(request, "Point added; the plan needs approving again.")
        elif action == "remove":
            services.plan_point_remove(
                actor=actor,
                plan_id=plan_id,
                version=version,
                code=request.POST.get("code", ""),
                side=request.POST.get("side", ""),
            )
            messages.success(request, "Point removed; the plan needs approving again.")
        else:
            services.plan_approve(actor=actor, plan_id=plan_id, version=version)
            messages.success(request, "Plan approved.")
    except ConflictError as error:
        record = selectors.plan_detail(actor=actor, plan_id=plan_id)
        context = _plan_context(record, conflict=error.message)
        return render(request, "treatment/plan.html", context, status=409)
    except InputError as error:
        record = selectors.plan_detail(actor=actor, plan_id=plan_id)
        form = {
            "code": request.POST.get("code", ""),
            "side": request.POST.get("side", ""),
            "why": request.POST.get("why", ""),
        }
        context = _plan_context(
            record,
            error=error,
            error_action=action,
            form=form,
            error_field=error.field.split(".")[-1],
        )
        return render(request, "treatment/plan.html", context, status=422)
    return redirect("treatment:plan", plan_id=plan_id)


@login_required
@require_POST
def plan_point_add(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    return _plan_write(request, plan_id, "add")


@login_required
@require_POST
def plan_point_remove(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    return _plan_write(request, plan_id, "remove")


@login_required
@require_POST
def plan_approve(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    return _plan_write(request, plan_id, "approve")


@login_required
@require_POST
def plan_point_check(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    """htmx: the session check of the plan with the point being added (nothing saved)."""
    actor = actor_from_request(request)
    record = selectors.plan_detail(actor=actor, plan_id=plan_id)
    context: dict[str, Any] = {"checked": False}
    code = request.POST.get("code", "").strip()
    if code and record.acupuncture is not None:
        try:
            edit = parse_point_edit(
                {"code": code, "side": request.POST.get("side", "")}, prefix="point"
            )
            resolved = selectors.resolve_point(edit.code)
            if resolved is None:
                raise InputError("point.code", f"'{edit.code}' is not a known acupoint.")
            point = {"code": resolved, "side": edit.side}
            intake = selectors.plan_intake(actor=actor, plan=record)
            check = checks.check_plan_points(
                intake=intake, acupuncture=record.acupuncture, points=[*record.points, point]
            )
            document = check.as_document()
            context = {
                "checked": True,
                "allowed": check.allowed,
                "point": point,
                "findings": [
                    f
                    for f in document["findings"]
                    if f.get("scope") == "session"
                    and (f.get("subject") or {}).get("code") == point["code"]
                ],
                "blocking": checks.blocking_messages(check),
            }
        except InputError as error:
            context = {"checked": True, "error": error.message}
    response = render(request, "treatment/_point_check.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def point_search(request: HttpRequest) -> HttpResponse:
    """Acupoints by code, alias, pinyin or English name: htmx fragment or full page."""
    require_practitioner(actor_from_request(request))
    query = request.GET.get("q", "")
    results = selectors.search_points(query)
    # From a plan page, each result gets an "Add" form posting to that plan (the plan's
    # access and version are checked when the form is sent).
    plan_id = _submission(request.GET.get("plan"))
    version = _int(request.GET.get("version"))
    template = (
        "treatment/_point_results.html"
        if request.headers.get("HX-Request")
        else "treatment/point_search.html"
    )
    context = {"query": query, "results": results, "plan_id": plan_id, "version": version}
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Sessions ---------------------------------------------------------------------------


def _initial_points(record: TreatmentPlan, number: int) -> dict[str, str]:
    """The form as it opens: the session's number and today's date, the plan's points
    and electroacupuncture pairs, its retention time and modality."""
    initial: dict[str, str] = {
        "number": str(number),
        "date": timezone.localdate().isoformat(),
    }
    for i, point in enumerate(record.points[: session_form.MAX_ROWS]):
        initial[f"point-{i}-code"] = point["code"]
        initial[f"point-{i}-side"] = point["side"]
    acupuncture = record.acupuncture or {}
    for i, pair in enumerate(_plan_pairs(record)):
        for end, electrode in zip("ab", pair, strict=False):
            initial[f"pair-{i}-{end}_code"] = electrode["code"]
            initial[f"pair-{i}-{end}_side"] = electrode["side"]
    if acupuncture.get("retention_minutes"):
        initial["retention_minutes"] = str(acupuncture["retention_minutes"])
    initial["modality"] = acupuncture.get("modality") or "manual_acupuncture"
    initial["needle_material"] = "stainless_steel"
    return initial


def _reported(request: HttpRequest, record: TreatmentPlan, data: Any) -> ReportedPain | None:
    """The pain the patient reported before the session on the form's date, if any."""
    try:
        day = dt.date.fromisoformat(str(data.get("date") or ""))
    except ValueError:
        return None
    return reported_pain(actor_from_request(request), record, day)


def _plan_pairs(record: TreatmentPlan) -> list[Any]:
    pairs = (record.acupuncture or {}).get("electro_pairs") or []
    return list(pairs[: session_form.MAX_ROWS])


def _state(record: TreatmentPlan, data: Any) -> session_form.SessionFormState:
    """The form with a row for each of the plan's points and one empty row, the plan's
    pairs (or one empty pair), one adverse-event row, and whatever rows were added."""
    points, pairs, events = session_form.row_counts(
        data, points=len(record.points) + 1, pairs=max(len(_plan_pairs(record)), 1), events=1
    )
    return session_form.build_state(data, point_rows=points, pair_rows=pairs, event_rows=events)


@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("the session was charted", "treatment:session", record="session_id")
def session_create(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    record = selectors.plan_detail(actor=actor, plan_id=plan_id)
    if episode_is_discharged(record.episode):
        # Said before the form is filled, not after (the service refuses it too).
        messages.error(
            request,
            "This episode is discharged: reopen it (set its status to active) before "
            "charting a session.",
        )
        return redirect("treatment:plan", plan_id=record.public_id)
    course = selectors.course_position(plan=record)
    if request.method == "GET" or request.POST.get("add"):
        # "Add another ..." sends the form back one row longer, every value kept.
        data = _initial_points(record, course.next_number) if request.method == "GET" else None
        reported = _reported(request, record, data if data is not None else request.POST)
        if data is not None and reported is not None:
            data["pain_before"] = str(reported.pain)
        state = _state(record, data if data is not None else request.POST)
        return render(
            request,
            "treatment/session_form.html",
            {"plan": record, "state": state, "course": course, "reported": reported},
        )
    state = _state(record, request.POST)
    parsed = session_form.to_record(state)
    # Read again for the date sent: an answer for another day's appointment is not used.
    reported = _reported(request, record, request.POST)
    errors = charting.record_errors(parsed.record)
    if errors:  # every field error at once, before the safety check
        for error in errors:
            session_form.show_error(state, parsed, error)
        return render(
            request,
            "treatment/session_form.html",
            {"plan": record, "state": state, "course": course, "reported": reported},
            status=422,
        )
    try:
        session = services.session_create(
            actor=actor,
            plan_id=plan_id,
            record=parsed.record,
            submission=_submission(state.submission),
            reported=reported,
        )
    except ConflictError as error:
        state.general_error = error.message
        status = 409
    except InputError as error:
        session_form.show_error(state, parsed, error)
        status = 422
    else:
        messages.success(request, f"Session {session.number} charted. Check it, then sign it.")
        return redirect("treatment:session", session_id=session.public_id)
    return render(
        request,
        "treatment/session_form.html",
        {"plan": record, "state": state, "course": course, "reported": reported},
        status=status,
    )


@login_required
@require_POST
def session_check(request: HttpRequest, plan_id: uuid.UUID) -> HttpResponse:
    """htmx: warnings of the session check for the form as it stands (nothing saved)."""
    actor = actor_from_request(request)
    record = selectors.plan_detail(actor=actor, plan_id=plan_id)
    state = _state(record, request.POST)
    parsed = session_form.to_record(state)
    context: dict[str, Any]
    try:
        charted = parse_session_elements(parsed.record)
        check = checks.run_session_check(
            intake=selectors.plan_intake(actor=actor, plan=record), record=charted
        )
        document = check.as_document()
        context = {"allowed": check.allowed, **checks.findings_for_display(document)}
    except InputError as error:
        session_form.show_error(state, parsed, error)
        context = {"incomplete": True, "error": error}
    response = render(request, "treatment/_session_check.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    session = selectors.session_detail(actor=actor, session_id=session_id)
    return _session_page(request, session)


@login_required
@require_POST
def session_sign(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    needles_out = request.POST.get("needles_out", "").strip()
    try:
        services.session_sign(
            actor=actor,
            session_id=session_id,
            version=_int(request.POST.get("version")),
            needles_out=_int(needles_out) if needles_out else None,
            explanation=request.POST.get("needle_count_explanation", ""),
        )
    except (InputError, ConflictError) as error:
        session = selectors.session_detail(actor=actor, session_id=session_id)
        status = 409 if isinstance(error, ConflictError) else 422
        return _session_page(
            request, session, status, sign_error=error.message, sign_form=request.POST
        )
    messages.success(request, "Session signed. It can no longer be changed, only amended.")
    return redirect("treatment:session", session_id=session_id)


def _amend_event_form(data: Any) -> tuple[session_form.SessionFormState, session_form.Parsed]:
    state = session_form.build_state(data, point_rows=0)
    state.events = state.events[:1]
    return state, session_form.to_record(state)


def _session_page(
    request: HttpRequest, session: Any, status: int = 200, **extra: Any
) -> HttpResponse:
    if "amend_state" not in extra:
        extra["amend_state"] = _amend_event_form({})[0]
    context = {
        "session": session,
        "amendments": selectors.session_amendments(session),
        "check": checks.findings_for_display(session.check_document),
        "submission": (extra.get("amend_form") or {}).get("submission") or uuid.uuid4(),
        "signing_refusal": None
        if session.signed
        else signing_refusal(actor=actor_from_request(request)),
        **extra,
    }
    return render(request, "treatment/session.html", context, status=status)


@login_required
@require_POST
@resend_shows("the amendment was added", "treatment:session", route={"session_id": "session_id"})
def session_amend(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    state, parsed = _amend_event_form(request.POST)
    try:
        services.session_amend(
            actor=actor,
            session_id=session_id,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
            adverse_events=parsed.record["adverse_events"],
            submission=_submission(request.POST.get("submission")),
        )
    except InputError as error:
        if error.field.startswith("adverse_events"):
            session_form.show_error(state, parsed, error)
        session = selectors.session_detail(actor=actor, session_id=session_id)
        return _session_page(
            request,
            session,
            422,
            amend_error=error,
            amend_form=request.POST,
            amend_state=state,
        )
    messages.success(request, "Amendment added.")
    return redirect("treatment:session", session_id=session_id)
