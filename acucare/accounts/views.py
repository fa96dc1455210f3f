"""Sign-in (password, then a TOTP code), two-factor enrolment, sign-out, the
practitioner's credentials, personal API tokens, and the clinic admin's pages."""

from __future__ import annotations

import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import (
    authenticate,
    login,
    logout,
    update_session_auth_hash,
)
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acucare.accounts import selectors, services, totp
from acucare.accounts.forms import (
    ClinicForm,
    CodeForm,
    CredentialsForm,
    LoginForm,
    PasswordChangeForm,
    RoleForm,
    SetPasswordForm,
    TokenForm,
    UserCreateForm,
)
from acucare.accounts.models import Role, User
from acucare.core.actor import actor_from_request, client_ip
from acucare.core.forms import apply_input_error
from acucare.core.roles import require_admin, require_practitioner
from acucare.domain.errors import ConflictError, InputError

PENDING = "acucare_pending_two_factor"
PENDING_SECRET = "acucare_enrol_secret"  # noqa: S105 -- a session key name, not a secret
PENDING_SECONDS = 300


def home_for(user: Any) -> str:
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return reverse("accounts:users")
    if role == Role.PATIENT:
        return reverse("portal:home")
    return reverse("patients:list")


def _next_url(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _lock_message(until: Any) -> str:
    local = timezone.localtime(until)
    return (
        "Too many failed sign-in attempts from this address. "
        f"Sign-in is locked until {local:%H:%M} ({local:%Z}). "
        "If you have forgotten your password, ask the clinic admin to reset it."
    )


def _complete_login(
    request: HttpRequest,
    user: User,
    *,
    two_factor: bool,
    next_url: str | None,
    attempt_id: int | None = None,
) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    actor = actor_from_request(request)
    services.login_succeeded(actor=actor, two_factor=two_factor, attempt_id=attempt_id)
    profile = selectors.own_profile(actor=actor) if actor.is_practitioner else None
    if profile is not None and profile.licence_expired():
        messages.warning(
            request,
            f"Your licence expired on {profile.licence_expiry:%d %b %Y}. "
            "Renew it and record the new expiry date under My credentials.",
        )
    elif profile is not None and (profile.licence_expiry is None or profile.licence_expires_soon()):
        messages.info(
            request,
            "Your licence expires soon."
            if profile.licence_expiry
            else "No licence expiry date is recorded.",
        )
    return redirect(next_url or home_for(user))


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    return sign_in_page(request, template="accounts/login.html", form_class=LoginForm)


def sign_in_page(
    request: HttpRequest, *, template: str, form_class: type[LoginForm] | type[Any]
) -> HttpResponse:
    """The sign-in step (password, then the code if enrolled), with its throttling; the
    staff page and the patient portal's sign-in page differ only in `template` and the
    form's labels (`form_class`: the fields `username` and `password`)."""
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next"))
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip = client_ip(request)
        # Counted before the password is checked, so racing requests cannot exceed the limit.
        attempt = services.login_attempt_start(username=username, ip_address=ip)
        if attempt.locked_until is not None:
            form.add_error(None, _lock_message(attempt.locked_until))
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                locked = services.login_failed(
                    username=username,
                    ip_address=ip,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    reason="password",
                    attempt_id=attempt.attempt_id,
                )
                form.add_error(
                    None,
                    _lock_message(locked) if locked else "The username or password is not correct.",
                )
                status = 429 if locked else 200
            elif user.two_factor_enabled:
                services.login_attempt_passed(attempt_id=attempt.attempt_id)
                request.session.cycle_key()
                request.session[PENDING] = {
                    "user": str(user.public_id),
                    "at": time.time(),
                    "next": next_url,
                }
                return redirect("accounts:two_factor_verify")
            else:
                return _complete_login(
                    request,
                    user,
                    two_factor=False,
                    next_url=next_url,
                    attempt_id=attempt.attempt_id,
                )
    return render(request, template, {"form": form, "next": next_url or ""}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending or time.time() - float(pending["at"]) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, "Enter your username and password again.")
        return redirect("accounts:login")
    user = selectors.pending_two_factor_user(pending["user"])
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        # Counted before the code is checked, so racing requests cannot exceed the limit.
        attempt = services.login_attempt_start(username=user.username, ip_address=ip)
        if attempt.locked_until is not None:
            form.add_error(None, _lock_message(attempt.locked_until))
            status = 429
        elif services.totp_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING]
            return _complete_login(
                request,
                user,
                two_factor=True,
                next_url=pending.get("next"),
                attempt_id=attempt.attempt_id,
            )
        else:
            locked = services.login_failed(
                username=user.username,
                ip_address=ip,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                reason="two_factor_code",
                attempt_id=attempt.attempt_id,
            )
            form.add_error(
                "code",
                _lock_message(locked)
                if locked
                else "That code is not correct or was already used.",
            )
            status = 429 if locked else 200
    elif request.method == "POST":
        status = 422
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=status)


def _qr_svg(uri: str) -> str:
    # segno writes plain SVG with presentation attributes only (no inline style), so the
    # strict Content-Security-Policy allows it inline; it needs no external asset.
    return segno.make(uri, error="m").svg_inline(
        scale=5, light="#fff", title="QR code for your authenticator app"
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.two_factor_enabled:
        return render(request, "accounts/two_factor_enrol.html", {"enrolled": True})
    secret = request.session.get(PENDING_SECRET) or totp.new_secret()
    request.session[PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    status = 422 if request.method == "POST" and not form.is_valid() else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_enrol(
                actor=actor_from_request(request), secret=secret, code=form.cleaned_data["code"]
            )
        except InputError as error:
            apply_input_error(form, error)
        else:
            del request.session[PENDING_SECRET]
            messages.success(
                request,
                "Two-factor authentication is on. You will be asked for a code at each sign-in.",
            )
            return redirect(home_for(user))
    uri = totp.provisioning_uri(username=user.username, secret=secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {"enrolled": False, "form": form, "secret": grouped, "qr_svg": _qr_svg(uri)},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logged_out(actor=actor_from_request(request), reason="logout")
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


@never_cache
@login_required
@sensitive_post_parameters("current_password", "new_password", "repeat_password")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                actor=actor_from_request(request),
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password"],
            )
        except InputError as error:
            apply_input_error(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Your password is changed.")
            return redirect(home_for(user))
    return render(
        request, "accounts/password.html", {"form": form}, status=422 if form.errors else 200
    )


# ---------------------------------------------------------------- practitioner profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_practitioner(actor)
    current = selectors.own_profile(actor=actor)
    initial = {}
    if current is not None:
        # The form shows what the practitioner last proposed, so saving again keeps it.
        initial = {
            name: current.pending_changes.get(name, getattr(current, name))
            for name in CredentialsForm.base_fields
        }
    form = CredentialsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                actor=actor, credentials=services.Credentials(**form.cleaned_data)
            )
        except InputError as error:
            apply_input_error(form, error)
        else:
            messages.success(request, "Your credentials are saved.")
            return redirect("accounts:profile")
    changes = selectors.credential_changes(current) if current is not None else []
    return render(
        request, "accounts/profile.html", {"form": form, "profile": current, "changes": changes}
    )


# ---------------------------------------------------------------- API tokens


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, created = services.api_token_create(actor=actor, name=form.cleaned_data["name"])
        except InputError as error:
            apply_input_error(form, error)
        else:
            form = TokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {"form": form, "created": created, "tokens": selectors.own_tokens(actor=actor)},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    row = services.api_token_revoke(actor=actor_from_request(request), token_id=public_id)
    messages.success(request, "The token is revoked; integrations using it stop working now.")
    if row.owner_id != request.user.pk:  # the clinic admin revoking someone else's token
        return redirect("accounts:user_detail", public_id=row.owner.public_id)
    return redirect("accounts:tokens")


# ---------------------------------------------------------------- clinic admin


@login_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(request, "accounts/users.html", {"users": selectors.user_list(actor=actor)})


@login_required
@require_http_methods(["GET", "POST"])
def credentials(request: HttpRequest) -> HttpResponse:
    """The clinic admin sees every practitioner's licence, indemnity and scope, and
    verifies them (or declines the changes a practitioner made)."""
    actor = actor_from_request(request)
    status = 200
    error: tuple[str, str] | None = None
    if request.method == "POST":
        practitioner = request.POST.get("practitioner", "")
        action = request.POST.get("action", "")
        try:
            if action not in {"verify", "decline"}:
                raise InputError("action", "Choose verify or decline.", ["verify", "decline"])
            profile = services.credentials_verify(
                actor=actor,
                practitioner_id=practitioner,
                seen=request.POST.get("seen", ""),
                accept=action == "verify",
            )
        except (InputError, ConflictError) as problem:
            status = 409 if isinstance(problem, ConflictError) else 422
            error = (practitioner, problem.message)
        else:
            name = profile.user.display_name
            messages.success(
                request,
                f"Credentials of {name} verified."
                if action == "verify"
                else f"The changes {name} made were declined.",
            )
            return redirect("accounts:credentials")
    rows = [
        {"profile": p, "changes": selectors.credential_changes(p)}
        for p in selectors.credentials_list(actor=actor)
    ]
    return render(
        request, "accounts/credentials.html", {"rows": rows, "error": error}, status=status
    )


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=actor, **form.cleaned_data)
        except InputError as error:
            apply_input_error(form, error)
        else:
            messages.success(request, f"Account {user.username} created.")
            return redirect("accounts:user_detail", public_id=user.public_id)
    return render(request, "accounts/user_create.html", {"form": form})


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One account; each form on the page posts an `action`."""
    actor = actor_from_request(request)
    action = request.POST.get("action") if request.method == "POST" else None
    user = (
        selectors.user_view(actor=actor, public_id=public_id)
        if action is None
        else selectors.user_get(actor=actor, public_id=public_id)
    )
    role_form = RoleForm(request.POST if action == "role" else None, initial={"role": user.role})
    password_form = SetPasswordForm(request.POST if action == "set_password" else None)
    context = {
        "subject": user,
        "role_form": role_form,
        "password_form": password_form,
        "tokens": selectors.tokens_of(actor=actor, user=user),
    }
    if action is None:
        return render(request, "accounts/user_detail.html", context)
    form_for_errors = password_form if action == "set_password" else role_form
    try:
        if action == "role" and role_form.is_valid():
            role = role_form.cleaned_data["role"]
            services.user_change_role(actor=actor, user_id=user.public_id, role=role)
            messages.success(request, "Role changed.")
        elif action in {"deactivate", "activate"}:
            active = action == "activate"
            services.user_set_active(actor=actor, user_id=user.public_id, active=active)
            messages.success(request, "Account reactivated." if active else "Account deactivated.")
        elif action == "set_password" and password_form.is_valid():
            password = password_form.cleaned_data["password"]
            services.user_set_password(actor=actor, user_id=user.public_id, password=password)
            messages.success(request, "New password set.")
        elif action == "clear_lock":
            cleared = services.user_clear_sign_in_lock(actor=actor, user_id=user.public_id)
            messages.success(
                request, f"Sign-in lock cleared ({cleared} failed attempts forgotten)."
            )
        elif action == "reset_two_factor":
            services.user_reset_two_factor(actor=actor, user_id=user.public_id)
            messages.success(
                request, "Two-factor authentication reset; the user enrols again at next sign-in."
            )
        else:
            if not form_for_errors.is_bound:
                messages.error(request, "Unknown action.")
            return render(request, "accounts/user_detail.html", context, status=422)
    except InputError as error:
        if form_for_errors.is_bound:
            apply_input_error(form_for_errors, error)
        else:
            messages.error(request, error.message)
        return render(request, "accounts/user_detail.html", context, status=422)
    return redirect("accounts:user_detail", public_id=user.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    require_admin(actor)
    row = selectors.clinic_settings()
    form = ClinicForm(
        request.POST or None,
        initial={"name": row.name, "require_two_factor": row.require_two_factor},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_update(actor=actor, **form.cleaned_data)
        except InputError as error:
            apply_input_error(form, error)
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect("accounts:clinic")
    return render(request, "accounts/clinic.html", {"form": form, "clinic": row})
