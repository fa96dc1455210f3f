"""Every role × every page and API operation built so far → the expected status.

Actors: anonymous, the clinic admin, the patient's primary practitioner (`owner`), a
practitioner the patient is shared with (`shared`), any other practitioner
(`stranger`) and reception. A stranger gets 404 for another practitioner's patient
(existence is not revealed); reception gets 403 for clinical content; the admin gets
403 for patient records.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from acucare.accounts.models import User
from acucare.accounts.services import api_token_create
from tests.assessments.factories import URGENT_AND_REFER, form_data, intake, make_assessment
from tests.factories import (
    actor,
    make_admin,
    make_appointment,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    share,
    signed_in,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "admin", "owner", "shared", "stranger", "reception")
OK = "ok"  # 200, 201, or a redirect that is not to the sign-in page
LOGIN = "login"  # pages: redirect to sign-in; API: 401


@dataclass
class World:
    users: dict[str, User]
    patient: Any
    episode: Any
    token: Any
    assessment: Any
    appointment: Any = None

    def ids(self) -> dict[str, str]:
        return {
            "patient": str(self.patient.public_id),
            "episode": str(self.episode.public_id),
            "assessment": str(self.assessment.public_id),
            "owner": str(self.users["owner"].public_id),
            "stranger": str(self.users["stranger"].public_id),
            "shared": str(self.users["shared"].public_id),
            "token": str(self.token.public_id),
            "user": str(self.users["owner"].public_id),
            "appointment": str(self.appointment.public_id),
        }


@pytest.fixture
def world() -> World:
    owner = make_practitioner()
    users = {
        "admin": make_admin(),
        "owner": owner,
        "shared": make_practitioner(),
        "stranger": make_practitioner(),
        "reception": make_reception(),
    }
    patient = make_patient(owner)
    share(patient, users["shared"])
    token, _secret = api_token_create(actor=actor(owner), name="owner's integration")
    episode = make_episode(patient)
    # Starting now, so that every role's allowed status change is possible today.
    appointment = make_appointment(patient, owner, start=timezone.now())
    return World(
        users, patient, episode, token, make_assessment(episode, **URGENT_AND_REFER), appointment
    )


def demographics(world: World, role: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Ada",
        "family_name": "Moreno",
        "date_of_birth": "1971-03-04",
        "sex": "female",
        "version": world.patient.version,
    }
    if role == "reception":
        data["primary_practitioner"] = str(world.users["owner"].public_id)
    return data


EPISODE_FORM = {"complaint": "Neck pain", "icd10_0": "M54.2", "weeks_0": "20"}
EPISODE_JSON = {"complaint": "Neck pain", "conditions": [{"icd10": "M54.2", "duration_weeks": 20}]}

ACKNOWLEDGEMENT = {"rule": "cauda_equina", "note": "Sent to the emergency department."}

EPISODE_UPDATE = {"complaint": "Low back pain", "status": "on_hold", "version": 1}

# (label, method, path, body builder or None, expected by actor)
PAGE = "page"
API = "api"


def row(kind, method, path, body, **expected):
    return (kind, method, path, body, expected)


ALL_OK = dict.fromkeys(ACTORS[1:], OK)
PATIENT_STAFF = {"admin": 403, "owner": OK, "shared": OK, "stranger": OK, "reception": OK}
ONE_PATIENT = {"admin": 403, "owner": OK, "shared": OK, "stranger": 404, "reception": OK}
CLINICAL = {"admin": 403, "owner": OK, "shared": OK, "stranger": 404, "reception": 403}
PRACTITIONERS = {"admin": 403, "owner": OK, "shared": OK, "stranger": OK, "reception": 403}
ADMIN_ONLY = {"admin": OK, "owner": 403, "shared": 403, "stranger": 403, "reception": 403}
STAFF_WHO_WORK_HOURS = {"admin": OK, "owner": OK, "shared": OK, "stranger": OK, "reception": 403}
RECEPTION_ONLY = {"admin": 403, "owner": 403, "shared": 403, "stranger": 403, "reception": OK}
# The outcomes dashboard: the admin sees the clinic, a practitioner their own patients.
ADMIN_AND_PRACTITIONERS = {"admin": OK, "owner": OK, "shared": OK, "stranger": OK, "reception": 403}
# Reception books for anyone, a practitioner for the patients they may see (issue 15).
BOOKING = ONE_PATIENT


def booking_form(world: World, role: str) -> dict[str, Any]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return {
        "practitioner": world.ids()["owner"],
        "date": tomorrow.isoformat(),
        "time": "10:00",
        "duration_minutes": "45",
        "kind": "treatment",
        "version": world.appointment.version,
    }


def booking_json(world: World, role: str) -> dict[str, Any]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return {
        "patient": world.ids()["patient"],
        "practitioner": world.ids()["owner"],
        "start": f"{tomorrow.isoformat()}T10:00:00+00:00",
        "duration_minutes": 45,
        "kind": "review",
    }


MATRIX = [
    # pages
    row(PAGE, "get", "/patients/", None, **PATIENT_STAFF),
    row(PAGE, "get", "/patients/?q=Family", None, **PATIENT_STAFF),
    row(PAGE, "get", "/patients/new/", None, **PATIENT_STAFF),
    row(PAGE, "post", "/patients/new/", demographics, **PATIENT_STAFF),
    row(PAGE, "get", "/patients/{patient}/", None, **ONE_PATIENT),
    row(PAGE, "get", "/patients/{patient}/edit/", None, **ONE_PATIENT),
    row(PAGE, "post", "/patients/{patient}/edit/", demographics, **ONE_PATIENT),
    row(PAGE, "get", "/patients/{patient}/episodes/new/", None, **CLINICAL),
    row(PAGE, "post", "/patients/{patient}/episodes/new/", lambda w, r: EPISODE_FORM, **CLINICAL),
    row(PAGE, "get", "/patients/episodes/{episode}/edit/", None, **CLINICAL),
    row(
        PAGE, "post", "/patients/episodes/{episode}/edit/", lambda w, r: EPISODE_UPDATE, **CLINICAL
    ),
    row(
        PAGE,
        "post",
        "/patients/{patient}/share/",
        lambda w, r: {"practitioner": w.ids()["stranger"]},
        admin=403,
        owner=OK,
        shared=403,
        stranger=404,
        reception=403,
    ),
    row(
        PAGE,
        "post",
        "/patients/{patient}/unshare/",
        lambda w, r: {"practitioner": w.ids()["shared"]},
        admin=403,
        owner=OK,
        shared=403,
        stranger=404,
        reception=403,
    ),
    row(PAGE, "get", "/patients/conditions/?q=M54", None, **PRACTITIONERS),
    row(PAGE, "get", "/assessments/episodes/{episode}/", None, **CLINICAL),
    row(PAGE, "get", "/assessments/episodes/{episode}/intake/", None, **CLINICAL),
    row(
        PAGE,
        "post",
        "/assessments/episodes/{episode}/intake/",
        lambda w, r: form_data(w.episode, based_on=str(w.assessment.public_id)),
        **CLINICAL,
    ),
    row(
        PAGE,
        "post",
        "/assessments/{assessment}/referral-outcome/",
        lambda w, r: {
            "rule": "unexplained_weight_loss",
            "outcome": "not_cleared",
            "clinician": "Dr A Patel, GP",
            "decided_on": timezone.localdate().isoformat(),
        },
        **CLINICAL,
    ),
    row(PAGE, "get", "/assessments/score/phq9/?q_phq9_1=2", None, **PRACTITIONERS),
    row(PAGE, "get", "/assessments/{assessment}/", None, **CLINICAL),
    row(
        PAGE,
        "post",
        "/assessments/{assessment}/acknowledge/",
        lambda w, r: ACKNOWLEDGEMENT,
        **CLINICAL,
    ),
    row(
        PAGE,
        "post",
        "/account/credentials/",
        lambda w, r: {"base_profession": "acupuncturist"},
        **PRACTITIONERS,
    ),
    row(
        PAGE,
        "post",
        "/account/tokens/{token}/revoke/",
        None,
        admin=OK,
        owner=OK,
        shared=404,
        stranger=404,
        reception=404,
    ),
    row(PAGE, "post", "/admin/clinic/", lambda w, r: {"name": "Riverside"}, **ADMIN_ONLY),
    row(PAGE, "post", "/admin/users/{user}/", lambda w, r: {"action": "deactivate"}, **ADMIN_ONLY),
    row(PAGE, "get", "/account/credentials/", None, **PRACTITIONERS),
    row(PAGE, "get", "/account/tokens/", None, **ALL_OK),
    row(PAGE, "get", "/account/password/", None, **ALL_OK),
    row(PAGE, "get", "/account/two-factor/", None, **ALL_OK),
    row(PAGE, "get", "/admin/users/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/users/new/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/users/{user}/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/clinic/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/credentials/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/audit/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/audit/export.csv", None, **ADMIN_ONLY),
    row(PAGE, "get", "/admin/reminders/", None, **ADMIN_ONLY),
    row(PAGE, "get", "/today/", None, **PRACTITIONERS),
    row(PAGE, "get", "/analytics/", None, **ADMIN_AND_PRACTITIONERS),
    row(PAGE, "get", "/analytics/tables/courses.csv", None, **ADMIN_AND_PRACTITIONERS),
    row(PAGE, "get", "/analytics/research.csv", None, **ADMIN_AND_PRACTITIONERS),
    row(PAGE, "get", "/appointments/", None, **PATIENT_STAFF),
    row(PAGE, "get", "/appointments/?view=week&practitioner=", None, **PATIENT_STAFF),
    row(PAGE, "get", "/appointments/new/", None, **PATIENT_STAFF),
    row(PAGE, "get", "/appointments/new/?patient={patient}", None, **BOOKING),
    row(PAGE, "post", "/appointments/new/?patient={patient}", booking_form, **BOOKING),
    row(PAGE, "get", "/appointments/{appointment}/", None, **ONE_PATIENT),
    # The clinic's week (issue 15, item 12): the admin keeps the hours and rooms; the
    # admin or each practitioner (their own) the working hours.
    row(PAGE, "get", "/appointments/hours/", None, **ADMIN_ONLY),
    row(
        PAGE,
        "post",
        "/appointments/hours/",
        lambda w, r: {"action": "room", "name": f"Room of {r}"},
        **ADMIN_ONLY,
    ),
    row(PAGE, "get", "/appointments/availability/", None, **STAFF_WHO_WORK_HOURS),
    row(
        PAGE,
        "post",
        "/appointments/availability/",
        lambda w, r: {"action": "hours", "week-starts_0": "09:00", "week-ends_0": "17:00"},
        **STAFF_WHO_WORK_HOURS,
    ),
    row(PAGE, "get", "/appointments/{appointment}/edit/", None, **BOOKING),
    row(PAGE, "post", "/appointments/{appointment}/edit/", booking_form, **BOOKING),
    row(PAGE, "get", "/appointments/{appointment}/cancel/", None, **BOOKING),
    row(
        PAGE,
        "post",
        "/appointments/{appointment}/cancel/",
        lambda w, r: {"version": 1},
        **BOOKING,
    ),
    row(
        PAGE,
        "post",
        "/appointments/{appointment}/status/",
        lambda w, r: {"status": "arrived", "version": 1},
        **ONE_PATIENT,
    ),
    # API
    row(API, "get", "/api/v1/me", None, **ALL_OK),
    row(API, "get", "/api/v1/patients", None, **PATIENT_STAFF),
    row(API, "post", "/api/v1/patients", demographics, **PATIENT_STAFF),
    row(API, "get", "/api/v1/patients/{patient}", None, **ONE_PATIENT),
    row(API, "put", "/api/v1/patients/{patient}", demographics, **ONE_PATIENT),
    row(API, "get", "/api/v1/patients/{patient}/episodes", None, **CLINICAL),
    row(API, "post", "/api/v1/patients/{patient}/episodes", lambda w, r: EPISODE_JSON, **CLINICAL),
    row(API, "get", "/api/v1/patients/{patient}/shares", None, **CLINICAL),
    row(
        API,
        "post",
        "/api/v1/patients/{patient}/shares",
        lambda w, r: {"practitioner": w.ids()["stranger"]},
        admin=403,
        owner=OK,
        shared=403,
        stranger=404,
        reception=403,
    ),
    row(
        API,
        "delete",
        "/api/v1/patients/{patient}/shares/{shared}",
        None,
        admin=403,
        owner=OK,
        shared=403,
        stranger=404,
        reception=403,
    ),
    row(API, "get", "/api/v1/episodes/{episode}", None, **CLINICAL),
    row(API, "put", "/api/v1/episodes/{episode}", lambda w, r: EPISODE_UPDATE, **CLINICAL),
    row(API, "get", "/api/v1/conditions?q=M54", None, **PRACTITIONERS),
    row(API, "get", "/api/v1/episodes/{episode}/assessments", None, **CLINICAL),
    row(API, "post", "/api/v1/episodes/{episode}/assessments", lambda w, r: intake(), **CLINICAL),
    row(API, "get", "/api/v1/assessments/{assessment}", None, **CLINICAL),
    row(
        API,
        "post",
        "/api/v1/assessments/{assessment}/acknowledgements",
        lambda w, r: ACKNOWLEDGEMENT,
        **CLINICAL,
    ),
    row(API, "get", "/api/v1/audit/events", None, **ADMIN_ONLY),
    row(API, "get", "/api/v1/audit/export.csv", None, **ADMIN_ONLY),
    row(API, "get", "/api/v1/appointments", None, **PATIENT_STAFF),
    row(API, "post", "/api/v1/appointments", booking_json, **BOOKING),
    row(API, "get", "/api/v1/appointments/{appointment}", None, **ONE_PATIENT),
    row(
        API,
        "patch",
        "/api/v1/appointments/{appointment}",
        lambda w, r: {"version": 1, "status": "arrived"},
        **ONE_PATIENT,
    ),
    row(
        API,
        "patch",
        "/api/v1/appointments/{appointment}",
        lambda w, r: {"version": 1, "duration_minutes": 60},
        **BOOKING,
    ),
    row(
        API,
        "post",
        "/api/v1/appointments/{appointment}/cancel",
        lambda w, r: {"version": 1},
        **BOOKING,
    ),
]

CASES = [
    pytest.param(
        kind, method, path, body, actor, expected.get(actor, LOGIN), id=f"{actor}-{method}-{path}"
    )
    for kind, method, path, body, expected in MATRIX
    for actor in ACTORS
]


def request(client: Client, kind: str, method: str, path: str, body: Any):
    if kind == API and body is not None:
        return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")
    if body is not None:
        return getattr(client, method)(path, data=body)
    return getattr(client, method)(path)


@pytest.mark.parametrize(("kind", "method", "path", "body", "actor", "expected"), CASES)
def test_access(world, kind, method, path, body, actor, expected):
    client = Client() if actor == "anonymous" else signed_in(world.users[actor])
    url = path.format(**world.ids())
    payload = body(world, actor) if callable(body) else body
    response = request(client, kind, method, url, payload)
    status = response.status_code
    if expected == OK:
        assert status in {200, 201, 204, 302}, (status, response.content[:500])
        if status == 302:
            assert not response["Location"].startswith("/sign-in/")
    elif expected == LOGIN and kind == PAGE:
        assert status == 302
        assert response["Location"].startswith("/sign-in/")
    elif expected == LOGIN:
        assert status == 401
    else:
        assert status == expected, response.content[:500]
    if kind == API and status >= 400:
        assert "error" in response.json()


@pytest.mark.parametrize("actor", ["owner", "shared", "stranger", "reception"])
@pytest.mark.parametrize(
    "path",
    [
        "/patients/{id}/",
        "/patients/{id}/edit/",
        "/api/v1/patients/{id}",
        "/api/v1/episodes/{id}",
        "/assessments/{id}/",
        "/assessments/episodes/{id}/intake/",
        "/api/v1/assessments/{id}",
        "/api/v1/episodes/{id}/assessments",
        "/appointments/{id}/",
        "/api/v1/appointments/{id}",
    ],
)
def test_an_unknown_id_is_404_for_everyone(world, actor, path):
    response = signed_in(world.users[actor]).get(path.format(id=uuid.uuid4()))
    clinical = "episodes" in path or "assessments" in path
    expected = 403 if actor == "reception" and clinical else 404
    assert response.status_code == expected


def test_a_practitioner_cannot_change_another_practitioners_patient_by_id(world):
    stranger = signed_in(world.users["stranger"])
    before = world.patient.family_name
    page = stranger.post(
        f"/patients/{world.patient.public_id}/edit/", demographics(world, "stranger")
    )
    api = stranger.put(
        f"/api/v1/patients/{world.patient.public_id}",
        data=json.dumps(demographics(world, "stranger")),
        content_type="application/json",
    )
    episode = stranger.post(
        f"/api/v1/patients/{world.patient.public_id}/episodes",
        data=json.dumps(EPISODE_JSON),
        content_type="application/json",
    )
    assert (page.status_code, api.status_code, episode.status_code) == (404, 404, 404)
    world.patient.refresh_from_db()
    assert world.patient.family_name == before
    assert world.patient.episodes.count() == 1


def test_a_stranger_does_not_see_the_patient_in_lists(world):
    stranger = signed_in(world.users["stranger"])
    assert world.patient.family_name not in stranger.get("/patients/").content.decode()
    assert stranger.get("/api/v1/patients").json()["count"] == 0


def test_reception_sees_demographics_but_no_clinical_content(world):
    html = (
        signed_in(world.users["reception"])
        .get(f"/patients/{world.patient.public_id}/")
        .content.decode()
    )
    assert world.patient.family_name in html
    assert world.episode.complaint not in html
    assert "M54.50" not in html
    assert "Episodes of care" not in html


def test_a_practitioner_cannot_change_another_practitioners_appointment_by_id(world):
    stranger = signed_in(world.users["stranger"])
    url = f"/api/v1/appointments/{world.appointment.public_id}"
    page = stranger.post(
        f"/appointments/{world.appointment.public_id}/status/", {"status": "arrived", "version": 1}
    )
    api = stranger.patch(
        url, data=json.dumps({"version": 1, "status": "arrived"}), content_type="application/json"
    )
    assert (page.status_code, api.status_code) == (404, 404)
    world.appointment.refresh_from_db()
    assert (world.appointment.status, world.appointment.version) == ("booked", 1)
    assert stranger.get("/api/v1/appointments").json() == []
    listed = stranger.get(f"/appointments/?practitioner={world.ids()['owner']}").content.decode()
    assert world.patient.family_name not in listed


def test_a_practitioner_cannot_reach_another_practitioners_assessment_by_id(world):
    stranger = signed_in(world.users["stranger"])
    assessment = world.assessment.public_id
    responses = [
        stranger.get(f"/assessments/{assessment}/"),
        stranger.post(f"/assessments/{assessment}/acknowledge/", ACKNOWLEDGEMENT),
        stranger.get(f"/api/v1/assessments/{assessment}"),
        stranger.post(
            f"/api/v1/assessments/{assessment}/acknowledgements",
            data=json.dumps(ACKNOWLEDGEMENT),
            content_type="application/json",
        ),
        stranger.post(
            f"/api/v1/episodes/{world.episode.public_id}/assessments",
            data=json.dumps(intake()),
            content_type="application/json",
        ),
        stranger.post(
            f"/assessments/episodes/{world.episode.public_id}/intake/", form_data(world.episode)
        ),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert world.episode.assessments.count() == 1
    assert not world.assessment.acknowledgements.exists()


# --- Treatment plans and sessions (acucare.treatment) ---------------------------------------


@dataclass
class TreatmentWorld:
    world: World
    plan: Any  # approved, with sessions
    draft: Any  # a draft plan of a second episode
    session: Any  # charted by the owner, not signed
    signed: Any  # charted and signed by the owner

    def ids(self) -> dict[str, str]:
        return {
            **self.world.ids(),
            "plan": str(self.plan.public_id),
            "draft": str(self.draft.public_id),
            "session": str(self.session.public_id),
            "signed": str(self.signed.public_id),
        }


@pytest.fixture
def treatment_world(world) -> TreatmentWorld:
    from acucare.treatment.services import session_sign
    from tests.assessments.factories import make_assessment
    from tests.treatment.factories import make_plan, make_session

    make_assessment(world.episode)
    plan = make_plan(world.episode, approve=True)
    second = make_episode(world.patient, complaint="Knee pain")
    make_assessment(second)
    signed = make_session(plan)
    signed = session_sign(actor=actor(world.users["owner"]), session_id=signed.public_id, version=1)
    return TreatmentWorld(world, plan, make_plan(second), make_session(plan), signed)


def _session_form(w: TreatmentWorld, role: str) -> dict[str, Any]:
    return {
        "needles_in": "2",
        "needles_out": "2",
        "needle_gauge_mm": "0.25",
        "needle_length_mm": "40",
        "point-0-code": "BL23",
        "point-0-side": "bilateral",
    }


def _session_json(w: TreatmentWorld, role: str) -> dict[str, Any]:
    from tests.treatment.factories import session_document

    return session_document()


AUTHOR = {"admin": 403, "owner": OK, "shared": 403, "stranger": 404, "reception": 403}

TREATMENT_MATRIX = [
    row(PAGE, "get", "/treatment/episodes/{episode}/", None, **CLINICAL),
    row(PAGE, "post", "/treatment/episodes/{episode}/plans/", lambda w, r: {}, **CLINICAL),
    row(PAGE, "get", "/treatment/plans/{plan}/", None, **CLINICAL),
    row(
        PAGE,
        "post",
        "/treatment/plans/{plan}/points/add/",
        lambda w, r: {"code": "LI11", "side": "left", "version": w.plan.version},
        **CLINICAL,
    ),
    row(
        PAGE,
        "post",
        "/treatment/plans/{plan}/points/remove/",
        lambda w, r: {
            **{k: w.plan.points[-1][k] for k in ("code", "side")},
            "version": w.plan.version,
        },
        **CLINICAL,
    ),
    row(
        PAGE,
        "post",
        "/treatment/plans/{plan}/points/check/",
        lambda w, r: {"code": "LI11", "side": "left"},
        **CLINICAL,
    ),
    row(PAGE, "post", "/treatment/plans/{draft}/approve/", lambda w, r: {"version": 1}, **CLINICAL),
    row(PAGE, "get", "/treatment/plans/{plan}/sessions/new/", None, **CLINICAL),
    row(PAGE, "post", "/treatment/plans/{plan}/sessions/new/", _session_form, **CLINICAL),
    row(PAGE, "post", "/treatment/plans/{plan}/sessions/check/", _session_form, **CLINICAL),
    row(PAGE, "get", "/treatment/sessions/{session}/", None, **CLINICAL),
    row(PAGE, "post", "/treatment/sessions/{session}/sign/", lambda w, r: {"version": 1}, **AUTHOR),
    row(
        PAGE,
        "post",
        "/treatment/sessions/{signed}/amend/",
        lambda w, r: {"reason": "Late report", "text": "No bruising."},
        **CLINICAL,
    ),
    row(PAGE, "get", "/treatment/points/?q=hegu", None, **PRACTITIONERS),
    row(API, "get", "/api/v1/episodes/{episode}/plans", None, **CLINICAL),
    row(API, "post", "/api/v1/episodes/{episode}/plans", None, **CLINICAL),
    row(API, "get", "/api/v1/plans/{plan}", None, **CLINICAL),
    row(
        API,
        "patch",
        "/api/v1/plans/{plan}",
        lambda w, r: {"version": w.plan.version, "add": {"code": "LI11", "side": "left"}},
        **CLINICAL,
    ),
    row(API, "post", "/api/v1/plans/{draft}/approve", lambda w, r: {"version": 1}, **CLINICAL),
    row(API, "get", "/api/v1/plans/{plan}/sessions", None, **CLINICAL),
    row(API, "post", "/api/v1/plans/{plan}/sessions", _session_json, **CLINICAL),
    row(API, "get", "/api/v1/sessions/{session}", None, **CLINICAL),
    row(API, "post", "/api/v1/sessions/{session}/sign", lambda w, r: {"version": 1}, **AUTHOR),
    row(
        API,
        "post",
        "/api/v1/sessions/{signed}/amendments",
        lambda w, r: {"reason": "Late report", "text": "No bruising."},
        **CLINICAL,
    ),
]


@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "actor", "expected"),
    [
        pytest.param(
            kind,
            method,
            path,
            body,
            actor,
            expected.get(actor, LOGIN),
            id=f"{actor}-{method}-{path}",
        )
        for kind, method, path, body, expected in TREATMENT_MATRIX
        for actor in ACTORS
    ],
)
def test_treatment_access(treatment_world, kind, method, path, body, actor, expected):
    from acucare.treatment.models import SessionAmendment, TreatmentPlan, TreatmentSession

    before = (
        TreatmentPlan.objects.count(),
        TreatmentSession.objects.count(),
        SessionAmendment.objects.count(),
    )
    w = treatment_world
    client = Client() if actor == "anonymous" else signed_in(w.world.users[actor])
    payload = body(w, actor) if callable(body) else body
    response = request(client, kind, method, path.format(**w.ids()), payload)
    status = response.status_code
    if expected == OK:
        assert status in {200, 201, 302}, (status, response.content[:800])
        if status == 302:
            assert not response["Location"].startswith("/sign-in/")
    elif expected == LOGIN:
        assert status == (302 if kind == PAGE else 401)
    else:
        assert status == expected, response.content[:500]
        # A refused request changes nothing.
        after = (
            TreatmentPlan.objects.count(),
            TreatmentSession.objects.count(),
            SessionAmendment.objects.count(),
        )
        assert after == before
    if kind == API and status >= 400:
        assert "error" in response.json()


@pytest.mark.parametrize("actor", ["owner", "shared", "stranger"])
@pytest.mark.parametrize(
    "path",
    [
        "/treatment/episodes/{id}/",
        "/treatment/plans/{id}/",
        "/treatment/sessions/{id}/",
        "/api/v1/episodes/{id}/plans",
        "/api/v1/plans/{id}",
        "/api/v1/plans/{id}/sessions",
        "/api/v1/sessions/{id}",
    ],
)
def test_an_unknown_treatment_id_is_404(world, actor, path):
    response = signed_in(world.users[actor]).get(path.format(id=uuid.uuid4()))
    assert response.status_code == 404
