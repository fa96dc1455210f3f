"""Racing sign-in POSTs and codes cannot test more passwords or codes than the limit
(issue 14: 40 simultaneous sign-ins all had their passwords tested; 30 codes, 14)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from acucare.accounts.models import LoginAttempt
from acucare.audit.models import AuditEvent
from tests.factories import PASSWORD, enrol_totp, make_practitioner

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _race(count: int, request: Callable[[Client], int], clients: list[Client]) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def run(client: Client) -> None:
        try:
            barrier.wait(timeout=20)
            statuses.append(request(client))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _wait_for_other_sessions()
    return statuses


def _wait_for_other_sessions() -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if int(cursor.fetchone()[0]) == 0:
                return
        time.sleep(0.05)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")


def test_racing_wrong_passwords_test_no_more_than_the_limit(postgres_only, settings):
    doc = make_practitioner()
    limit = settings.ACUCARE_LOGIN_MAX_FAILURES
    clients = [Client(REMOTE_ADDR="10.9.0.1") for _ in range(40)]
    statuses = _race(
        40,
        lambda c: (
            c.post("/sign-in/", {"username": doc.username, "password": "wrong" * 3}).status_code
        ),
        clients,
    )
    assert len(statuses) == 40
    assert set(statuses) <= {200, 429}
    tested = AuditEvent.objects.filter(action="login_failed").count()
    assert tested <= limit
    assert LoginAttempt.objects.filter(succeeded=False).count() == tested
    assert statuses.count(429) >= 40 - limit


def test_racing_wrong_codes_test_no_more_than_the_limit(postgres_only, settings):
    doc = make_practitioner()
    totp = enrol_totp(doc)
    limit = settings.ACUCARE_LOGIN_MAX_FAILURES
    clients = []
    for _ in range(30):
        client = Client(REMOTE_ADDR="10.9.0.2")
        client.post("/sign-in/", {"username": doc.username, "password": PASSWORD})
        clients.append(client)
    accepted = {totp.at(time.time() + s) for s in (-60, -30, 0, 30, 60)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)
    statuses = _race(30, lambda c: c.post("/sign-in/code/", {"code": wrong}).status_code, clients)
    assert len(statuses) == 30
    assert set(statuses) <= {200, 429}
    tested = AuditEvent.objects.filter(action="login_failed").count()
    assert tested <= limit
    assert statuses.count(429) >= 30 - limit
