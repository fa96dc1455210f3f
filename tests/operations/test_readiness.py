"""/healthz says the process answers; /readyz that the database and the queue do."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ready_when_the_database_and_the_database_queue_answer() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_ready_with_the_redis_queue(settings: pytest.FixtureRequest) -> None:
    settings.ACUCARE_TASKS_BACKEND = "redis"  # type: ignore[attr-defined]
    settings.ACUCARE_REDIS_URL = "redis://127.0.0.1:6379/0"  # type: ignore[attr-defined]
    response = Client().get("/readyz")
    assert response.json()["checks"]["queue"] == "ok", "Redis must be running at 127.0.0.1:6379"


def test_not_ready_when_redis_does_not_answer(settings: pytest.FixtureRequest) -> None:
    settings.ACUCARE_TASKS_BACKEND = "redis"  # type: ignore[attr-defined]
    settings.ACUCARE_REDIS_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "queue": "unavailable"},
    }


def test_not_ready_when_the_database_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    class Broken:
        def __enter__(self) -> None:
            raise DatabaseError("connection refused")

        def __exit__(self, *args: object) -> None:
            return None

    monkeypatch.setattr(connection, "cursor", lambda: Broken())
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert "refused" not in response.content.decode()


def test_health_and_readiness_answer_over_plain_http_in_production(
    settings: pytest.FixtureRequest,
) -> None:
    settings.SECURE_SSL_REDIRECT = True  # type: ignore[attr-defined]
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/patients/").status_code == 301
