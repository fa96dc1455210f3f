"""Factories for the clinic apps: plain functions that build rows through the ORM with
sensible defaults, so each test states only what matters to it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pyotp
from django.test import Client
from django.utils import timezone

from acucare.accounts.models import PractitionerProfile, Role, User
from acucare.core.actor import Actor
from acucare.patients.models import Episode, EpisodeCondition, Patient, PatientShare

PASSWORD = "correct horse battery staple 42"
_numbers = itertools.count(1)


def make_user(
    role: str = Role.PRACTITIONER,
    *,
    username: str | None = None,
    credentials_in_force: bool = True,
    **fields: Any,
) -> User:
    """A user; a practitioner has a credentials profile, in force unless
    `credentials_in_force=False` (then blank, as a new practitioner's first entry finds it)."""
    number = next(_numbers)
    user = User(
        username=username or f"{role}{number}",
        role=role,
        first_name=fields.pop("first_name", role.capitalize()),
        last_name=fields.pop("last_name", f"Number{number}"),
        **fields,
    )
    user.set_password(PASSWORD)
    user.save()
    if role == Role.PRACTITIONER and not credentials_in_force:
        PractitionerProfile.objects.create(user=user, created_by=user, updated_by=user)
    elif role == Role.PRACTITIONER:
        # Credentials in force, as signing a session note needs.
        in_force = timezone.localdate() + dt.timedelta(days=365)
        PractitionerProfile.objects.create(
            user=user,
            licence_number=f"AC-{number}",
            licence_expiry=in_force,
            indemnity_insurer="Test Mutual",
            indemnity_expiry=in_force,
            created_by=user,
            updated_by=user,
        )
    return user


def make_admin(**fields: Any) -> User:
    return make_user(Role.ADMIN, **fields)


def make_practitioner(**fields: Any) -> User:
    return make_user(Role.PRACTITIONER, **fields)


def make_reception(**fields: Any) -> User:
    return make_user(Role.RECEPTION, **fields)


def actor(user: User) -> Actor:
    return Actor(user=user, ip_address="127.0.0.1", user_agent="pytest", channel="web")


def make_patient(practitioner: User, **fields: Any) -> Patient:
    number = next(_numbers)
    values: dict[str, Any] = {
        "given_name": f"Given{number}",
        "family_name": f"Family{number}",
        # Cycle so that a long test run never makes a patient born in the future.
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=(number % 200) * 97),
        "sex": "female",
        "phone": f"020 7946 0{number % 1000:03d}",
    }
    values.update(fields)
    return Patient.objects.create(
        primary_practitioner=practitioner,
        created_by=practitioner,
        updated_by=practitioner,
        **values,
    )


def share(patient: Patient, practitioner: User) -> PatientShare:
    return PatientShare.objects.create(
        patient=patient, practitioner=practitioner, created_by=patient.primary_practitioner
    )


def make_episode(patient: Patient, *codes: str, complaint: str = "Low back pain") -> Episode:
    by = patient.primary_practitioner
    episode = Episode.objects.create(
        patient=patient, complaint=complaint, created_by=by, updated_by=by
    )
    for position, code in enumerate(codes or ("M54.50",)):
        EpisodeCondition.objects.create(episode=episode, position=position, icd10=code)
    return episode


def enrol_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.save()
    return pyotp.TOTP(secret)


def signed_in(user: User) -> Client:
    """A test client with a session for `user` (as after password and, if enrolled, code)."""
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def make_appointment(
    patient: Patient,
    practitioner: User | None = None,
    *,
    start: dt.datetime | None = None,
    minutes: int = 45,
    **fields: Any,
) -> Any:
    """An appointment straight through the ORM (tomorrow at 10:00 unless told)."""
    from acucare.scheduling.models import Appointment

    practitioner = practitioner or patient.primary_practitioner
    if start is None:
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=timezone.get_current_timezone())
    fields.setdefault("kind", "treatment")
    return Appointment.objects.create(
        patient=patient,
        practitioner=practitioner,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        duration_minutes=minutes,
        created_by=practitioner,
        updated_by=practitioner,
        **fields,
    )
