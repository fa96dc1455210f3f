"""The patient portal's pages: sign-in and home, the invitation link, and (for staff)
inviting a patient from the chart."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from acucare.accounts import services as accounts
from acucare.accounts.models import Role
from acucare.accounts.views import home_for, sign_in_page
from acucare.core.actor import actor_from_request, client_ip
from acucare.core.forms import apply_input_error
from acucare.core.ids import parse_public_id
from acucare.domain.errors import InputError
from acucare.portal import selectors, services
from acucare.portal.emails import invitation_link
from acucare.portal.forms import SetPasswordForm, SignInForm


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
    try:
        made, token = services.invitation_create(
            actor=actor, patient_id=public_id, link_base=request.build_absolute_uri("/")
        )
    except InputError as error:
        messages.error(request, error.message)
        return redirect("patients:chart", public_id)
    link = invitation_link(request.build_absolute_uri("/"), token)
    return render(
        request,
        "portal/invited.html",
        {"invitation": made, "link": link, "qr_svg": _qr_svg(link), "patient": made.patient},
    )
