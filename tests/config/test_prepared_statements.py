"""On PostgreSQL the application's connections prepare the statements they repeat
(config/database.py), so the server parses and plans a page's queries once per
connection rather than on every request."""

from __future__ import annotations

import pytest
from django.db import connection

from acucare.patients.models import Patient
from config.database import PREPARE_THRESHOLD
from tests.factories import make_patient, make_practitioner

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_repeated_query_is_prepared_on_the_server() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    patient = make_patient(make_practitioner())
    for _ in range(PREPARE_THRESHOLD + 1):
        assert Patient.objects.filter(public_id=patient.public_id).count() == 1
    prepared = [sql for sql in _prepared() if '"patients_patient"' in sql and "COUNT" in sql]
    # The server bound the parameter: the statement it keeps has a placeholder.
    assert len(prepared) == 1
    assert "$1" in prepared[0]
