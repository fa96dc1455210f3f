"""The demo clinic for `make demo`: staff accounts and about twenty patients at
different points of care. Everything is written through the services, so the demo's
audit log looks like a real one. Running it again changes nothing but the passwords."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from acucare.accounts.models import PractitionerProfile, Role, User
from acucare.accounts.services import Credentials, credentials_verify, profile_update
from acucare.core.actor import system_actor
from acucare.demo import clinic as demo_clinic
from acucare.demo import cohort as demo_cohort
from acucare.demo import portal as demo_portal
from acucare.patients import services
from acucare.patients.models import Patient
from acucare.scheduling import selectors as scheduling_selectors
from acucare.scheduling import services as scheduling
from acucare.scheduling.models import Appointment, AppointmentKind

DEMO_MARKER = "demo.acucare.invalid"  # e-mail domain of demo staff and patients


@dataclass(frozen=True)
class StaffAccount:
    username: str
    role: str
    first_name: str
    last_name: str


STAFF = (
    StaffAccount("admin", Role.ADMIN, "Morgan", "Hale"),
    StaffAccount("dr.chen", Role.PRACTITIONER, "Li", "Chen"),
    StaffAccount("dr.okafor", Role.PRACTITIONER, "Ngozi", "Okafor"),
    StaffAccount("reception", Role.RECEPTION, "Sam", "Rivera"),
)
DEMO_GPS = (
    {
        "gp_name": "Dr Helen Okafor",
        "gp_practice": "Riverside Medical Practice",
        "gp_address": "2 Riverside Walk\nDemo Town",
        "gp_email": f"riverside.practice@{DEMO_MARKER}",
    },
    {
        "gp_name": "Dr Samuel Price",
        "gp_practice": "Orchard Health Centre",
        "gp_address": "40 Orchard Close\nDemo Town",
        "gp_email": f"orchard.health@{DEMO_MARKER}",
    },
)
STREETS = ("Mill Lane", "Station Road", "Church Street", "Park Avenue", "Orchard Close")


def _password() -> str:
    return secrets.token_urlsafe(12)


def _staff() -> tuple[dict[str, User], dict[str, str]]:
    model = get_user_model()
    users: dict[str, User] = {}
    passwords: dict[str, str] = {}
    for account in STAFF:
        user, _ = model.objects.get_or_create(
            username=account.username,
            defaults={
                "role": account.role,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@{DEMO_MARKER}",
            },
        )
        password = _password()
        user.set_password(password)
        user.is_active = True
        user.save()
        if user.role == Role.PRACTITIONER:
            PractitionerProfile.objects.get_or_create(
                user=user, defaults={"created_by": user, "updated_by": user}
            )
        users[account.username] = user
        passwords[account.username] = password
    return users, passwords


def _okafor(licence_expiry: dt.date, today: dt.date) -> Credentials:
    return Credentials(
        base_profession="physiotherapist",
        licence_number="PH-88213",
        issuing_board="Health and Care Professions Council (demo)",
        licence_expiry=licence_expiry,
        certifications=("aacp_member",),
        years_in_practice=9,
        indemnity_insurer="Physio Cover (demo)",
        indemnity_expiry=today + dt.timedelta(days=150),
    )


def _credentials(users: dict[str, User]) -> None:
    """Both practitioners' credentials in force, before the clinic's past sessions are
    signed (signing needs a licence and indemnity cover in force)."""
    today = timezone.localdate()
    profile_update(
        actor=system_actor(users["dr.chen"]),
        credentials=Credentials(
            base_profession="acupuncturist",
            licence_title="L.Ac.",
            licence_number="AC-20417",
            issuing_board="State Board of Acupuncture (demo)",
            licence_expiry=today + dt.timedelta(days=500),
            certifications=("nccaom_dipl_ac", "ccaom_cnt"),
            degree="MSOM",
            years_in_practice=14,
            cpd_hours_last_year=32,
            indemnity_insurer="Demo Mutual (demo)",
            indemnity_expiry=today + dt.timedelta(days=200),
        ),
    )
    profile_update(
        actor=system_actor(users["dr.okafor"]),
        credentials=_okafor(today + dt.timedelta(days=40), today),
    )
    # The clinic admin has checked both practitioners' documents (a first expiry date
    # waits for the admin's check, like a renewal).
    for username in ("dr.chen", "dr.okafor"):
        profile = PractitionerProfile.objects.get(user=users[username])
        credentials_verify(
            actor=system_actor(users["admin"]),
            practitioner_id=users[username].public_id,
            seen=profile.updated_at.isoformat(),
        )


def _expired_licence(users: dict[str, User]) -> None:
    """After the past sessions (signed while it was valid): Dr Okafor's licence has
    expired, so the warning can be seen, and the renewal waits for the admin."""
    today = timezone.localdate()
    okafor = system_actor(users["dr.okafor"])
    profile_update(actor=okafor, credentials=_okafor(today - dt.timedelta(days=12), today))
    profile_update(actor=okafor, credentials=_okafor(today + dt.timedelta(days=718), today))


def _patients(users: dict[str, User], today: dt.date) -> int:
    """Reception registers each demo patient; their practitioner then takes them to their
    stage (`demo_clinic`). A patient already registered is left as it is, so a second run
    adds nothing."""
    desk = system_actor(users["reception"])
    created = 0
    for index, spec in enumerate(demo_clinic.PATIENTS):
        if Patient.objects.filter(email=spec.email).exists():
            continue
        patient = services.patient_create(
            actor=desk,
            primary_practitioner=users[spec.owner].public_id,
            demographics=services.Demographics(
                given_name=spec.given,
                family_name=spec.family,
                date_of_birth=spec.born,
                sex=spec.sex,
                phone=f"020 7946 0{index % 1000:03d}",
                email=spec.email,
                address=f"{index * 7 % 97 + 1} {STREETS[index % len(STREETS)]}\nDemo Town",
                # Every demo patient has a GP at one of two demo practices, so letters and
                # reports have someone to go to (docs/documents.md).
                **DEMO_GPS[index % len(DEMO_GPS)],
            ),
        )
        demo_clinic.build_stage(spec, patient, users, today)
        created += 1
    return created


DESK_NOTES = (
    "Prefers the ground-floor room",
    "Comes by bus; please keep to time",
    "Bringing an interpreter",
    "Needs a parking permit at the desk",
    "",
    "",
    "",
)


def _working_days(count: int) -> list[dt.date]:
    day, days = timezone.localdate(), list[dt.date]()
    while len(days) < count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _clinic_week(users: dict[str, User]) -> dict[str, uuid.UUID]:
    """Opening hours (weekdays 08:00–19:00, Saturday mornings), two rooms and each
    practitioner's working hours; returns each practitioner's usual room."""
    admin = system_actor(users["admin"])
    if not scheduling_selectors.opening_hours():
        week = [scheduling.Period(day, dt.time(8), dt.time(19)) for day in range(5)]
        scheduling.opening_hours_set(
            actor=admin, periods=[*week, scheduling.Period(5, dt.time(9), dt.time(13))]
        )
        for name, days, hours in (
            ("dr.chen", range(5), (dt.time(8, 30), dt.time(17, 30))),
            ("dr.okafor", range(5), (dt.time(9), dt.time(17, 30))),
        ):
            scheduling.availability_set(
                actor=admin,
                practitioner_id=users[name].public_id,
                periods=[scheduling.Period(day, *hours) for day in days],
            )
    rooms = {r.name: r for r in scheduling_selectors.rooms()}
    for name in ("Room 1", "Room 2"):
        if name not in rooms:
            rooms[name] = scheduling.room_save(actor=admin, name=name)
    return {"dr.chen": rooms["Room 1"].public_id, "dr.okafor": rooms["Room 2"].public_id}


def _appointments(users: dict[str, User]) -> int:
    """A working week of bookings from tomorrow, made by reception through the service:
    initial assessments for patients without an intake yet, treatments twice a week for
    patients with a plan, one for those screened, a review for those on hold. Skipped
    when the demo's week is already booked."""
    demo = Patient.objects.filter(email__endswith=f"@{DEMO_MARKER}")
    if Appointment.objects.filter(patient__in=demo, start__gte=timezone.now()).exists():
        return 0
    desk = system_actor(users["reception"])
    rooms = _clinic_week(users)
    days = _working_days(5)
    zone = timezone.get_current_timezone()
    # Each practitioner's next free minute of each day (09:00, lunch 12:30-13:30).
    free: dict[tuple[int, dt.date], int] = {}
    booked = 0
    patients = {p.email: p for p in demo.select_related("primary_practitioner")}
    for index, spec in enumerate(demo_clinic.PATIENTS):
        patient = patients.get(spec.email)
        if patient is None or spec.stage == "discharged":  # no appointments after discharge
            continue
        visits: tuple[int, ...]
        if spec.on_hold:
            kind, minutes, visits = AppointmentKind.REVIEW, 30, (0,)
        elif spec.stage in ("registered", "new"):
            kind, minutes, visits = AppointmentKind.INITIAL_ASSESSMENT, 60, (0,)
        elif spec.stage == "screened":
            kind, minutes, visits = AppointmentKind.TREATMENT, 45, (0,)
        else:
            kind, minutes, visits = AppointmentKind.TREATMENT, 45, (0, 2)
        first_day = index % 3
        for visit in visits:
            day = days[min(first_day + visit, len(days) - 1)]
            key = (patient.primary_practitioner_id, day)
            begin = free.get(key, 9 * 60)
            if begin < 13 * 60 + 30 and begin + minutes > 12 * 60 + 30:
                begin = 13 * 60 + 30
            free[key] = begin + minutes + 15
            scheduling.appointment_book(
                actor=desk,
                patient_id=patient.public_id,
                booking=scheduling.Booking(
                    practitioner=patient.primary_practitioner.public_id,
                    start=dt.datetime.combine(day, dt.time(begin // 60, begin % 60), tzinfo=zone),
                    duration_minutes=minutes,
                    kind=kind,
                    note=DESK_NOTES[index % len(DESK_NOTES)],
                    room=rooms.get(patient.primary_practitioner.username),
                ),
            )
            booked += 1
    return booked


@transaction.atomic
def load_demo() -> tuple[dict[str, str], int]:
    """Returns the staff passwords (username -> password) and how many patients were new."""
    users, passwords = _staff()
    first_run = (
        not PractitionerProfile.objects.filter(user=users["dr.chen"])
        .exclude(licence_number="")
        .exists()
    )
    if first_run:
        _credentials(users)
    created = _patients(users, timezone.localdate())
    created += demo_cohort.load_past_courses(users, timezone.localdate())
    if first_run:
        _expired_licence(users)
    _appointments(users)
    return passwords, created


@transaction.atomic
def load_portal_accounts() -> list[demo_portal.PortalSignIn]:
    """The demo patients with portal accounts, with fresh passwords (after `load_demo`)."""
    reception = get_user_model().objects.get(username="reception")
    demo = list(Patient.objects.filter(email__endswith=f"@{DEMO_MARKER}"))
    return demo_portal.portal_accounts(reception, demo)
