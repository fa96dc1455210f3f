"""Reads of accounts data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from acucare.accounts.models import (
    ApiToken,
    Clinic,
    LoginAttempt,
    PractitionerProfile,
    Role,
    User,
)
from acucare.audit.services import audit_record
from acucare.core.actor import Actor
from acucare.core.roles import require_admin


def active_practitioners() -> QuerySet[User]:
    """The practitioners whose accounts are active: those a patient may be given to,
    shared with or booked with. One definition for every app that offers or checks them."""
    return get_user_model().objects.filter(role=Role.PRACTITIONER, is_active=True)


def user_list(*, actor: Actor) -> QuerySet[User]:
    """Every staff account, for the admin; the viewing is audited (issue 14). Patients'
    portal accounts are not staff: they are opened and renewed from the chart."""
    require_admin(actor)
    audit_record(actor=actor, action="list", object_type="user")
    return (
        get_user_model()
        .objects.exclude(role=Role.PATIENT)
        .select_related("practitioner_profile")
        .order_by("username")
    )


def user_view(*, actor: Actor, public_id: str) -> User:
    """One account as the admin opens its page; the viewing is audited (issue 14)."""
    user = user_get(actor=actor, public_id=public_id)
    audit_record(actor=actor, action="read", object_type="user", object_id=user.public_id)
    return user


def user_get(*, actor: Actor, public_id: str) -> User:
    require_admin(actor)
    try:
        return get_user_model().objects.exclude(role=Role.PATIENT).get(public_id=public_id)
    except (get_user_model().DoesNotExist, ValueError) as exc:
        raise Http404("No such user.") from exc


def own_profile(*, actor: Actor) -> PractitionerProfile | None:
    return PractitionerProfile.objects.filter(user=actor.user).first()


def credentials_list(*, actor: Actor) -> QuerySet[PractitionerProfile]:
    """Every practitioner's credentials, for the admin who verifies them; audited."""
    require_admin(actor)
    audit_record(actor=actor, action="list", object_type="practitioner_profile")
    return (
        PractitionerProfile.objects.select_related("user", "verified_by")
        .filter(user__role="practitioner")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


# The credential fields the clinic admin verifies, in the clinic's words.
CREDENTIAL_LABELS = {
    "licence_title": "Licence title",
    "licence_number": "Licence number",
    "issuing_board": "Issuing board",
    "licence_expiry": "Licence expiry",
    "indemnity_insurer": "Indemnity insurer",
    "indemnity_expiry": "Indemnity cover ends",
    "scope_restrictions": "Limits on practice",
}


def _shown(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{dt.date.fromisoformat(value):%-d %b %Y}"
        except ValueError:
            return value
    return str(value) if value not in (None, "") else "(none)"


def credential_changes(profile: PractitionerProfile) -> list[tuple[str, str, str]]:
    """The changes awaiting verification: (label, value in force, proposed value)."""
    return [
        (label, _shown(getattr(profile, field)), _shown(profile.pending_changes[field]))
        for field, label in CREDENTIAL_LABELS.items()
        if field in profile.pending_changes
    ]


@dataclass(frozen=True)
class SigningRefusal:
    """Why a practitioner may not sign a session note now: the credential (`licence` or
    `indemnity`) and the reason in the clinic's words (what a page shows)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


_RECORD_IT = " Record it under My credentials; the clinic admin verifies it."


def _renewal(profile: PractitionerProfile, field: str) -> str:
    if field in profile.pending_changes:
        return " Your renewal is recorded and waits for the clinic admin's verification."
    return " Record the renewal under My credentials; the clinic admin verifies it."


def signing_refusal(*, actor: Actor, today: dt.date | None = None) -> SigningRefusal | None:
    """Why this practitioner may not sign a session note now, or None. A licence and
    professional indemnity cover in force are both required (the reference's section 7:
    licence expiry "needed for audit"; indemnity "required by UK codes"): a missing or
    passed expiry of either refuses, and a renewal counts once the clinic admin has
    verified it. A missing date refuses because nobody can tell that the cover holds."""
    today = today or timezone.localdate()
    profile = PractitionerProfile.objects.filter(user=actor.user).first()
    if profile is None or profile.licence_expiry is None:
        return SigningRefusal(
            "licence",
            "No licence expiry date is recorded for you: a session note cannot be signed "
            "until your licence is recorded." + _RECORD_IT,
        )
    if profile.licence_expired(today):
        return SigningRefusal(
            "licence",
            f"Your licence expired on {profile.licence_expiry:%d %b %Y}: a session note cannot "
            "be signed until a renewed licence is verified." + _renewal(profile, "licence_expiry"),
        )
    if profile.indemnity_expiry is None:
        return SigningRefusal(
            "indemnity",
            "No professional indemnity cover is recorded for you: a session note cannot be "
            "signed until your cover and its expiry date are recorded." + _RECORD_IT,
        )
    if profile.indemnity_expired(today):
        return SigningRefusal(
            "indemnity",
            f"Your professional indemnity cover lapsed on {profile.indemnity_expiry:%d %b %Y}: "
            "a session note cannot be signed until renewed cover is verified."
            + _renewal(profile, "indemnity_expiry"),
        )
    return None


def own_tokens(*, actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(owner=actor.user)


def tokens_of(*, actor: Actor, user: User) -> QuerySet[ApiToken]:
    """For the clinic admin: a user's tokens, to revoke one that has leaked."""
    require_admin(actor)
    return ApiToken.objects.filter(owner=user)


def pending_two_factor_user(public_id: str) -> User | None:
    """The active user who passed the password step and still owes a two-factor code."""
    return get_user_model().objects.filter(public_id=public_id, is_active=True).first()


def clinic_settings() -> Clinic:
    """The clinic's settings row (made by a migration; recreated if it was removed)."""
    row, _ = Clinic.objects.get_or_create(pk=1)
    return row


def _max_failures() -> int:
    return int(settings.ACUCARE_LOGIN_MAX_FAILURES)


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.ACUCARE_LOGIN_LOCK_MINUTES))


def login_locked_until(*, username: str, ip_address: str | None) -> dt.datetime | None:
    """When too many recent failures came for this username from this address (or from
    this address for any usernames: someone trying many accounts), the time the lock
    lifts; otherwise None. A success clears earlier failures of that username."""
    now = timezone.now()
    per_address = int(settings.ACUCARE_LOGIN_MAX_FAILURES_PER_ADDRESS)
    if ip_address is not None:
        recent = LoginAttempt.objects.filter(
            ip_address=ip_address, succeeded=False, at__gte=now - _window()
        ).order_by("-at")
        times = list(recent.values_list("at", flat=True)[:per_address])
        if len(times) >= per_address:
            return times[-1] + _window()
    attempts = LoginAttempt.objects.filter(
        username=username.strip().lower(), ip_address=ip_address, at__gte=now - _window()
    )
    last_success = (
        attempts.filter(succeeded=True).order_by("-at").values_list("at", flat=True).first()
    )
    failures = attempts.filter(succeeded=False)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("-at").values_list("at", flat=True)[: _max_failures()])
    if len(times) < _max_failures():
        return None
    return times[-1] + _window()
