"""Reminders on the Redis job queue (RQ, 127.0.0.1:6379, a database number of their
own): the scan queues them, a burst worker sends them through the SMTP server, and the
next scan sends nothing. Retries are tested on the database queue (test_reminders.py):
here nothing waits for RQ's scheduler."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from acucare.jobs.models import JobRun, RunStatus
from acucare.reminders.models import Reminder, ReminderStatus

pytestmark = pytest.mark.django_db(transaction=True)

# Database 11 of the local Redis is the reminder tests' own; it is emptied before and
# after, so nothing else may use it.
REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def redis_backend(settings) -> Iterator[None]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI")
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable")
    client.flushdb()
    queue = settings.ACUCARE_JOB_QUEUE
    settings.ACUCARE_TASKS_BACKEND = "redis"
    settings.RQ_QUEUES = {queue: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    try:
        yield
    finally:
        client.flushdb()
        client.close()


def scan() -> str:
    out = StringIO()
    call_command("reminders_scan", "--enqueue", stdout=out)
    return out.getvalue()


def test_reminders_run_on_the_redis_queue(redis_backend, smtp, clinic):
    import django_rq

    assert scan().startswith("Due now: 1 coming appointment, 1 questionnaires to fill in.")
    from django.conf import settings

    queue = django_rq.get_queue(settings.ACUCARE_JOB_QUEUE)
    assert queue.count == 2  # on Redis, not the database queue
    call_command("worker", burst=True, no_fork=True)
    assert queue.count == 0
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    assert {r.status for r in JobRun.objects.all()} == {RunStatus.SUCCEEDED}
    assert sorted(m["To"] for m in smtp.mailbox.messages) == ["marisol@example.org"] * 2
    # The next scan claims nothing, and the worker finds nothing to send.
    assert scan() == "Due now: none.\nQueued: none (the worker sends them).\n"
    call_command("worker", burst=True, no_fork=True)
    assert len(smtp.mailbox.messages) == 2
