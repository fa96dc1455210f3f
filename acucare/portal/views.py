"""The patient portal's pages: sign-in and home, the invitation link, and (for staff)
inviting a patient from the chart."""

from __future__ import annotations

import uuid

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.accounts import services as accounts
from acucare.accounts.models import Role, User
from acucare.accounts.views import home_for, sign_in_page
from acucare.core.actor import actor_from_request, client_ip
from acucare.core.forms import apply_input_error
from acucare.core.ids import parse_public_id
from acucare.core.once import resend_shows
from acucare.domain.diary import SERIOUS_ADVICE
from acucare.domain.errors import InputError
from acucare.portal import selectors, services
from acucare.portal.crisis import crisis_resources
from acucare.portal.emails import invitation_link
from acucare.portal.forms import (
    DiaryForm,
    QuestionnaireForm,
    ReminderSettingsForm,
    SetPasswordForm,
    SignInForm,
)
from acucare.reminders.services import reminder_preference_set


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Signed out, the patient's sign-in page; signed in, the patient's home."""
    user = request.user
    if not user.is_authenticated:
        return sign_in_page(request, template="portal/sign_in.html", form_class=SignInForm)
    if user.role != Role.PATIENT:
        return redirect(home_for(user))
    if request.method == "POST":
        return redirect("portal:home")
    page = selectors.portal_home(actor=actor_from_request(request))
    return render(request, "portal/home.html", {"home": page})


@never_cache
@sensitive_post_parameters("password", "repeat_password")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a password, then the patient is signed in."""
    found = selectors.invitation_for_token(token)
    if isinstance(request.user, User) and selectors.invitation_used_by(found, request.user):
        return _password_already_set(request)
    problem = selectors.invitation_problem(found)
    if problem:
        return render(
            request,
            "portal/invitation.html",
            {"problem": problem},
            status=404 if found is None else 410,
        )
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password"],
                repeat=form.cleaned_data["repeat_password"],
                ip_address=client_ip(request),
                user_agent=str(request.META.get("HTTP_USER_AGENT", "")),
            )
        except InputError as error:
            if error.field == "invitation":
                return render(
                    request, "portal/invitation.html", {"problem": error.message}, status=410
                )
            apply_input_error(form, error)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            accounts.login_succeeded(actor=actor_from_request(request), two_factor=False)
            messages.success(request, "Your password is set. Welcome to your portal.")
            return redirect("portal:home")
    return render(
        request,
        "portal/invitation.html",
        {"form": form, "email": found.email if found else ""},
        status=422 if form.errors else 200,
    )


def _password_already_set(request: HttpRequest) -> HttpResponse:
    """The form sent twice (a double tap, or the browser resending it): the first send
    set the password and signed the patient in; the second changes nothing."""
    messages.info(request, "Your password is already set: you are signed in to your portal.")
    return redirect("portal:home")


def _qr_svg(link: str) -> str:
    # Plain SVG with presentation attributes only: the strict CSP allows it inline.
    return segno.make(link, error="m").svg_inline(
        scale=4, light="#fff", title="QR code of the invitation link"
    )


@never_cache
@login_required
@require_POST
def invite(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Staff invite a patient (or send a new link): the link and its QR code are shown
    once, here; the e-mail goes out by a background job."""
    actor = actor_from_request(request)
    public_id = parse_public_id(patient_id, "patient")
    # The site's configured address when there is one (docs/operations.md), else the
    # address this page was asked for.
    link_base = settings.ACUCARE_SITE_URL or request.build_absolute_uri("/")
    try:
        made, token = services.invitation_create(
            actor=actor, patient_id=public_id, link_base=link_base
        )
    except InputError as error:
        messages.error(request, error.message)
        return redirect("patients:chart", public_id)
    link = invitation_link(link_base, token)
    return render(
        request,
        "portal/invited.html",
        {"invitation": made, "link": link, "qr_svg": _qr_svg(link), "patient": made.patient},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("your answers were saved", "portal:home")
def questionnaire(request: HttpRequest, episode_id: uuid.UUID, kind: str) -> HttpResponse:
    """A due questionnaire on the phone. Answers that show thoughts of self-harm bring up
    the crisis resources at once, on the page that answers the send."""
    actor = actor_from_request(request)
    if request.method == "POST":
        # A resend: the first send answered it, so it is no longer due.
        selectors.questionnaire_resent(actor=actor, key=request.POST.get("submission"), kind=kind)
    due = selectors.questionnaire_due(actor=actor, episode_id=episode_id, kind=kind)
    form = QuestionnaireForm(
        request.POST or None,
        instruments=due.instruments,
        # The impression of change belongs to reviews, not to the start or each session.
        pgic=kind not in ("baseline", "session"),
        initial={"submission": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.questionnaire_submit(
                actor=actor,
                episode_id=episode_id,
                kind=kind,
                scores=form.scores(),
                pgic=form.pgic(),
                submission=form.cleaned_data.get("submission"),
            )
        except InputError as error:
            form.show(error)
        else:
            if result.alert is not None:
                return render(request, "portal/crisis.html", {"crisis": crisis_resources()})
            messages.success(request, "Thank you: your answers are saved.")
            return redirect("portal:home")
    return render(
        request,
        "portal/questionnaire.html",
        {"due": due, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = actor_from_request(request)
    alert = selectors.alert_for_acknowledgement(actor=actor, alert_id=alert_id)
    try:
        services.alert_acknowledge(
            actor=actor, alert_id=alert_id, note=request.POST.get("note", "")
        )
    except InputError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The alert is acknowledged.")
    return redirect("patients:chart", alert.patient.public_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reminders(request: HttpRequest) -> HttpResponse:
    """The patient's choice of e-mail reminders (on until they turn them off)."""
    actor = actor_from_request(request)
    patient, wanted = selectors.reminder_settings(actor=actor)
    # Bound on every POST: an unticked box sends no field at all.
    form = ReminderSettingsForm(
        request.POST if request.method == "POST" else None, initial={"email_reminders": wanted}
    )
    if request.method == "POST" and form.is_valid():
        chosen = bool(form.cleaned_data["email_reminders"])
        reminder_preference_set(actor=actor, patient=patient, email_reminders=chosen)
        messages.success(
            request,
            "E-mail reminders are on." if chosen else "E-mail reminders are off.",
        )
        return redirect("portal:reminders")
    return render(request, "portal/reminders.html", {"form": form, "email": patient.email})


@never_cache
@login_required
@require_GET
def diary(request: HttpRequest) -> HttpResponse:
    """The diary: the latest sessions, the days written and the days still open."""
    sessions = selectors.diary_sessions(actor=actor_from_request(request))
    return render(request, "portal/diary.html", {"sessions": sessions})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@resend_shows("your diary was saved", "portal:diary")
def diary_day(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """One day of the diary after a session. A serious after-effect tells the patient at
    once that their practitioner has been told, with what to do now."""
    actor = actor_from_request(request)
    if request.method == "POST":
        # A resend: the first send wrote the day; say it was saved.
        selectors.diary_resent(actor=actor, key=request.POST.get("submission"))
    found = selectors.diary_session(actor=actor, session_id=session_id)
    form = DiaryForm(
        request.POST or None, days=found.open_days, initial={"submission": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        medicines, effects = form.medicines(), form.effects()
        if not form.errors:
            try:
                result = services.diary_record(
                    actor=actor,
                    session_id=session_id,
                    day=form.cleaned_data["day"],
                    pain=form.cleaned_data["pain"],
                    sleep_hours=form.cleaned_data["sleep_hours"],
                    sleep_quality=form.cleaned_data["sleep_quality"],
                    medicines=medicines,
                    effects=effects,
                    submission=form.cleaned_data.get("submission"),
                )
            except InputError as error:
                form.show(error)
            else:
                if result.alert is not None:
                    return render(request, "portal/diary_serious.html", {"advice": SERIOUS_ADVICE})
                messages.success(request, "Thank you: your diary for the day is saved.")
                return redirect("portal:care")
    return render(
        request,
        "portal/diary_day.html",
        {"found": found, "form": form},
        status=422 if form.errors else 200,
    )


@never_cache
@login_required
@require_GET
def care(request: HttpRequest) -> HttpResponse:
    """The patient's own view: plan, review, care layers, progress chart, appointments
    and after-effects with what to do."""
    page = selectors.portal_care(actor=actor_from_request(request))
    return render(request, "portal/care.html", {"care": page})
