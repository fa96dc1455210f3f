"""`may_see` asks of one patient the rule `visible_patients` applies to a query: every
record's access check reads the record and asks it, so the two must never disagree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from acucare.accounts.models import User
from acucare.patients.access import (
    access_episode,
    access_patient,
    may_see,
    require_visible,
    visible_patients,
)
from acucare.patients.models import Patient
from tests.factories import (
    actor,
    make_admin,
    make_episode,
    make_patient,
    make_practitioner,
    make_reception,
    share,
)

pytestmark = pytest.mark.django_db


@dataclass
class Clinic:
    users: dict[str, User]
    patients: dict[str, Patient]


@pytest.fixture
def clinic() -> Clinic:
    owner, shared, stranger, other_owner = (make_practitioner() for _ in range(4))
    patient = make_patient(owner)
    share(patient, shared)
    # A share of another patient with the stranger, and of this patient's neighbour with
    # the owner: a rule that checked only one side of a share would let these through.
    neighbour = make_patient(other_owner)
    share(neighbour, stranger)
    share(neighbour, owner)
    return Clinic(
        users={
            "owner": owner,
            "shared": shared,
            "stranger": stranger,
            "other_owner": other_owner,
            "reception": make_reception(),
        },
        patients={"patient": patient, "neighbour": neighbour},
    )


def test_may_see_agrees_with_visible_patients_for_every_actor_and_patient(
    clinic: Clinic,
) -> None:
    seen: dict[tuple[str, str], bool] = {}
    for role, user in clinic.users.items():
        visible = set(visible_patients(actor(user)).values_list("pk", flat=True))
        for name, patient in clinic.patients.items():
            answer = may_see(actor(user), patient)
            assert answer == (patient.pk in visible), (role, name)
            seen[(role, name)] = answer
    assert seen == {
        ("owner", "patient"): True,
        ("owner", "neighbour"): True,  # shared with the owner
        ("shared", "patient"): True,
        ("shared", "neighbour"): False,
        ("stranger", "patient"): False,
        ("stranger", "neighbour"): True,
        ("other_owner", "patient"): False,
        ("other_owner", "neighbour"): True,
        ("reception", "patient"): True,  # demographics; clinical content is refused apart
        ("reception", "neighbour"): True,
    }


def test_the_admin_reaches_no_patient() -> None:
    patient = make_patient(make_practitioner())
    with pytest.raises(PermissionDenied):
        may_see(actor(make_admin()), patient)


def test_require_visible_names_the_record_it_does_not_find(
    clinic: Clinic,
) -> None:
    stranger = actor(clinic.users["stranger"])
    with pytest.raises(Http404, match=r"No such plan\."):
        require_visible(stranger, clinic.patients["patient"], "plan")


def test_a_shared_practitioner_reaches_the_patient_and_episode_and_a_stranger_does_not(
    clinic: Clinic,
) -> None:
    patient = clinic.patients["patient"]
    episode = make_episode(patient)
    shared = actor(clinic.users["shared"])
    stranger = actor(clinic.users["stranger"])
    assert access_patient(shared, patient.public_id, clinical=True, write=False) == patient
    assert access_episode(shared, episode.public_id, write=False) == episode
    with pytest.raises(Http404, match=r"No such patient\."):
        access_patient(stranger, patient.public_id, clinical=True, write=False)
    with pytest.raises(Http404, match=r"No such episode\."):
        access_episode(stranger, episode.public_id, write=False)
