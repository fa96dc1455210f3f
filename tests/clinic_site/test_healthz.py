"""/healthz answers without a session or a database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert len(queries) == 0


@pytest.mark.django_db
def test_healthz_accepts_only_reads(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
