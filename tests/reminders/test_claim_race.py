"""Two scans at the same moment (the timer and an operator's run, or two machines)
claim each reminder once between them: the unique key makes the second wait, then
skip it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from acucare.jobs.models import JobRun
from acucare.reminders.models import Reminder
from acucare.reminders.selectors import reminders_due
from acucare.reminders.services import reminders_claim
from tests.security.test_lockout_race import _wait_for_other_sessions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_racing_scans_claim_each_reminder_once(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    due = reminders_due(now=timezone.now())
    assert len(due) == 2
    scans = 4
    barrier = threading.Barrier(scans)
    claimed: list[int] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=20)
            claimed.append(len(reminders_claim(due=due)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(scans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    _wait_for_other_sessions()
    assert len(claimed) == scans
    assert sum(claimed) == 2
    assert Reminder.objects.count() == 2
    assert JobRun.objects.filter(key__startswith="reminder:").count() == 2
