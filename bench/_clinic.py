"""What the clinic-sized benchmarks share: a scratch PostgreSQL database, the clinic's
practitioners, and copying one screened intake and approved plan onto many episodes with
bulk_create.

Django must be set up before `practitioners` or `copy_intake_and_plan` is called (they
import the models)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acucare.accounts.models import User
    from acucare.assessments.models import Assessment
    from acucare.patients.models import Episode
    from acucare.treatment.models import TreatmentPlan

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh database `<prefix>_<pid>` for the run, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tracked(by_id: int, now: dt.datetime) -> dict[str, Any]:
    return {"created_by_id": by_id, "updated_by_id": by_id, "created_at": now, "updated_at": now}


def copy_intake_and_plan(
    assessment: Assessment,
    plan: TreatmentPlan,
    episodes: Sequence[Episode],
    *,
    now: dt.datetime,
    batch: int,
) -> None:
    """Give each episode a copy of `assessment` and of the approved `plan` (made through the
    real services for one episode), by its patient's primary practitioner."""
    from acucare.assessments.models import Assessment
    from acucare.treatment.models import TreatmentPlan

    Assessment.objects.bulk_create(
        [
            Assessment(
                episode=e,
                intake_document=assessment.intake_document,
                screening_document=assessment.screening_document,
                kb_version=assessment.kb_version,
                decision=assessment.decision,
                rules_applied=assessment.rules_applied,
                created_by_id=e.patient.primary_practitioner_id,
                created_at=now,
            )
            for e in episodes
        ],
        batch_size=batch,
    )
    assessments = dict(Assessment.objects.values_list("episode_id", "id"))
    TreatmentPlan.objects.bulk_create(
        [
            TreatmentPlan(
                episode=e,
                assessment_id=assessments[e.pk],
                status=plan.status,
                document=plan.document,
                kb_version=plan.kb_version,
                protocol=plan.protocol,
                rules=plan.rules,
                approved_at=now,
                approved_by_id=e.patient.primary_practitioner_id,
                **tracked(e.patient.primary_practitioner_id, now),
            )
            for e in episodes
        ],
        batch_size=batch,
    )


def practitioners(count: int) -> list[User]:
    """`count` practitioners (bench0, bench1, …) who cannot sign in with a password."""
    from acucare.accounts.models import PractitionerProfile, Role, User

    staff = []
    for n in range(count):
        user = User(
            username=f"bench{n}", role=Role.PRACTITIONER, first_name="Bench", last_name=f"P{n}"
        )
        user.set_unusable_password()
        user.save()
        PractitionerProfile.objects.create(user=user, created_by=user, updated_by=user)
        staff.append(user)
    return staff
