"""The portal in the access matrix: every portal page by every role, and the patient's
side of every other route — a patient's portal account reaches only its own portal,
never a staff page or API operation, and a refusal changes nothing.

Rows have the project's shape (`tests/patients/test_access_matrix.py`), so that
`tests/test_access_matrix_complete.py` finds every portal route here."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from acucare.accounts.models import User
from acucare.audit.models import AuditEvent
from acucare.kb import registry
from acucare.kb.records.instruments import Instrument
from acucare.outcomes.models import BeforeSessionAnswer, Measurement
from acucare.patients.models import Episode, Patient
from acucare.portal.middleware import PATIENT_PAGES
from acucare.portal.models import DiaryEntry, Invitation, PortalAlert
from acucare.treatment.models import AdverseEvent, TreatmentSession
from tests.factories import (
    make_admin,
    make_appointment,
    make_episode,
    make_practitioner,
    make_reception,
    signed_in,
)
from tests.portal.factories import make_portal_patient, make_signed_session
from tests.test_access_matrix_complete import (
    API_PREFIX,
    PUBLIC_ROUTES,
    api_operations,
    django_routes,
)

pytestmark = pytest.mark.django_db

PAGE, API = "page", "api"
OK, LOGIN = "ok", "login"
ACTORS = ("anonymous", "admin", "owner", "stranger", "reception", "patient", "other_patient")
STAFF_REDIRECTED = {"admin": OK, "owner": OK, "stranger": OK, "reception": OK}
INVITING = {"admin": 403, "owner": OK, "stranger": 404, "reception": OK, "patient": 403}
# The patient's own pages: another patient's ids are not found; staff are refused.
OWN = {"admin": 403, "owner": 403, "stranger": 403, "reception": 403, "patient": OK}
ACKNOWLEDGING = {
    "admin": 403,
    "owner": OK,
    "stranger": 404,
    "reception": 403,
    "patient": 403,
    "other_patient": 403,
}


def _diary_day(world: World, actor: str) -> dict[str, str]:
    return {
        "submission": str(uuid.uuid4()),
        "day": world.session.date.isoformat(),
        "pain": "3",
        "sleep_hours": "7",
        "sleep_quality": "7",
        "effect_bruising": "on",
    }


def _baseline(world: World, actor: str) -> dict[str, str]:
    data = {"submission": str(uuid.uuid4())}
    for instrument in ("nrs", "phq9", "gad7"):
        for item in registry().of(Instrument)[instrument].items:
            data[f"q_{instrument}_{item.number}"] = "0"
    return data


@dataclass
class World:
    users: dict[str, User]
    patient: Patient
    episode: Episode
    alert: PortalAlert
    _session: TreatmentSession | None = None
    _booked: bool = False

    @property
    def session(self) -> TreatmentSession:
        """The patient's signed session, made only for the rows that use it (slow)."""
        if self._session is None:
            # Yesterday's: a session charted today would close today's before-session window.
            yesterday = timezone.localdate() - dt.timedelta(days=1)
            self._session = make_signed_session(self.patient, date=yesterday)
        return self._session

    @property
    def before_session(self) -> str:
        """The episode of the signed session, with the next one booked in an hour: its
        before-session questionnaire is due (made only for the rows that use it)."""
        if not self._booked:
            make_appointment(self.patient, start=timezone.now() + dt.timedelta(hours=1))
            self._booked = True
        return str(self.session.plan.episode.public_id)

    def ids(self, path: str = "") -> dict[str, str]:
        return {
            "patient": str(self.patient.public_id),
            "episode": str(self.episode.public_id),
            "alert": str(self.alert.public_id),
            **({"session": str(self.session.public_id)} if "{session}" in path else {}),
            **({"before": self.before_session} if "{before}" in path else {}),
        }


@pytest.fixture
def world() -> World:
    owner = make_practitioner()
    patient, patient_user = make_portal_patient(owner)
    _other, other_user = make_portal_patient(make_practitioner())
    users = {
        "admin": make_admin(),
        "owner": owner,
        "stranger": make_practitioner(),
        "reception": make_reception(),
        "patient": patient_user,
        "other_patient": other_user,
    }
    episode = make_episode(patient)
    alert = PortalAlert.objects.create(
        patient=patient, episode=episode, kind="self_harm", detail={"answer": 1}
    )
    return World(users, patient, episode, alert)


def row(kind: str, method: str, path: str, body: Any, **expected: Any):
    return (kind, method, path, body, expected)


PORTAL_MATRIX = [
    row(
        PAGE,
        "get",
        "/portal/",
        None,
        anonymous=OK,
        patient=OK,
        other_patient=OK,
        **STAFF_REDIRECTED,
    ),
    row(
        PAGE,
        "post",
        "/portal/staff/patients/{patient}/invite/",
        None,
        other_patient=403,
        **INVITING,
    ),
    # The patient's own reminder setting (no id in the address: each patient sees theirs).
    row(PAGE, "get", "/portal/reminders/", None, other_patient=OK, **OWN),
    row(
        PAGE,
        "post",
        "/portal/reminders/",
        lambda w, a: {"email_reminders": "on"},
        other_patient=OK,
        **OWN,
    ),
    row(PAGE, "get", "/portal/questionnaires/{episode}/baseline/", None, other_patient=404, **OWN),
    row(
        PAGE,
        "post",
        "/portal/questionnaires/{episode}/baseline/",
        _baseline,
        other_patient=404,
        **OWN,
    ),
    # The pain rating before a booked session (its episode is the signed session's).
    row(PAGE, "get", "/portal/questionnaires/{before}/session/", None, other_patient=404, **OWN),
    row(
        PAGE,
        "post",
        "/portal/questionnaires/{before}/session/",
        lambda w, a: {"submission": str(uuid.uuid4()), "q_nrs_1": "4"},
        other_patient=404,
        **OWN,
    ),
    # The patient's own care, progress and diary; another patient's session is not found.
    row(PAGE, "get", "/portal/care/", None, other_patient=OK, **OWN),
    row(PAGE, "get", "/portal/diary/", None, other_patient=OK, **OWN),
    row(PAGE, "get", "/portal/diary/{session}/", None, other_patient=404, **OWN),
    row(PAGE, "post", "/portal/diary/{session}/", _diary_day, other_patient=404, **OWN),
    row(
        PAGE,
        "post",
        "/portal/staff/alerts/{alert}/acknowledge/",
        lambda w, a: {"note": "Called the patient."},
        **ACKNOWLEDGING,
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("kind", "method", "path", "body", "expected_by"), PORTAL_MATRIX)
def test_portal_access(world, actor, kind, method, path, body, expected_by):
    expected = expected_by.get(actor, LOGIN)
    client = Client() if actor == "anonymous" else signed_in(world.users[actor])
    invitations = Invitation.objects.count()
    measurements = (Measurement.objects.count(), BeforeSessionAnswer.objects.count())
    diary = (DiaryEntry.objects.count(), AdverseEvent.objects.count())
    acknowledged = PortalAlert.objects.exclude(acknowledged_at=None).count()
    payload = body(world, actor) if callable(body) else body
    response = getattr(client, method)(path.format(**world.ids(path)), payload or {})
    status = response.status_code
    if expected == OK:
        assert status in {200, 201, 302}, (status, response.content[:500])
        if status == 302:
            assert not response["Location"].startswith("/sign-in/")
    elif expected == LOGIN:
        assert status == 302
        assert response["Location"].startswith("/sign-in/")
    else:
        assert status == expected
        assert Invitation.objects.count() == invitations
        assert (Measurement.objects.count(), BeforeSessionAnswer.objects.count()) == measurements
        assert (DiaryEntry.objects.count(), AdverseEvent.objects.count()) == diary
        assert PortalAlert.objects.exclude(acknowledged_at=None).count() == acknowledged


def test_the_portal_sends_staff_to_their_own_work(world):
    assert signed_in(world.users["owner"]).get("/portal/")["Location"] == "/patients/"
    assert signed_in(world.users["admin"]).get("/portal/")["Location"] == "/admin/users/"


# What a signed-in patient may open outside /portal/ (the middleware's own list).
PATIENT_OPEN = PATIENT_PAGES


def _concrete(route: str) -> str:
    return route.replace("{}", str(uuid.uuid4()))


STAFF_PAGES = sorted(
    r
    for r in django_routes()
    if not r.startswith(("/portal/", API_PREFIX)) and r not in PATIENT_OPEN
)


@pytest.fixture
def patient_user() -> User:
    return make_portal_patient(make_practitioner())[1]


@pytest.mark.parametrize("route", STAFF_PAGES)
def test_every_staff_page_is_closed_to_a_patient(patient_user, route):
    client = signed_in(patient_user)
    patients = Patient.objects.count()
    for method in ("get", "post"):
        response = getattr(client, method)(_concrete(route))
        assert response.status_code == 403, method
    assert Patient.objects.count() == patients
    assert AuditEvent.objects.filter(action="denied", actor=patient_user).count() == 2


@pytest.mark.parametrize(("method", "route"), sorted(api_operations()))
def test_every_api_operation_is_closed_to_a_patient(patient_user, method, route):
    response = getattr(signed_in(patient_user), method)(
        _concrete(route), {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_patients_own_pages_stay_open(world):
    client = signed_in(world.users["patient"])
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/account/password/").status_code == 200
    assert client.get("/account/two-factor/").status_code == 200


def test_the_public_routes_include_the_invitation_link():
    assert "/portal/invitation/{}/" in PUBLIC_ROUTES


def test_the_admins_user_pages_neither_list_nor_open_nor_promote_a_patients_account(world):
    from acucare.accounts.services import user_change_role, user_create
    from acucare.domain.errors import InputError
    from tests.factories import actor

    admin = signed_in(world.users["admin"])
    patient = world.users["patient"]
    assert patient.username not in admin.get("/admin/users/").content.decode()
    assert admin.get(f"/admin/users/{patient.public_id}/").status_code == 404
    with pytest.raises(InputError) as refused:
        user_change_role(actor=actor(world.users["admin"]), user_id=patient.public_id, role="admin")
    assert refused.value.field == "role"
    with pytest.raises(InputError) as refused:
        user_create(
            actor=actor(world.users["admin"]),
            username="someone",
            password="a long enough password 1",
            role="patient",
        )
    assert refused.value.allowed == ["admin", "practitioner", "reception"]
    patient.refresh_from_db()
    assert patient.role == "patient"
