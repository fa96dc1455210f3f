"""The background-job conventions, run on the real database worker."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command

from acucare.jobs.framework import enqueue_job, job, job_run
from acucare.jobs.models import JobRun, RunStatus
from tests.jobs import sample_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def work() -> None:
    """Run every waiting job on the database worker, then return."""
    call_command("worker", burst=True)


def test_a_job_runs_on_the_worker_and_reports_progress() -> None:
    run = enqueue_job(sample_jobs.count_to, key="count:5", params={"n": 5})
    assert run.status == RunStatus.QUEUED
    work()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.result == {"counted": 5}
    assert (run.progress_done, run.progress_total, run.progress_message) == (5, 5, "Counting")
    assert run.percent == 100
    assert run.attempts == 1
    assert run.started_at is not None
    assert run.finished_at is not None


def test_the_same_key_is_queued_once() -> None:
    first = enqueue_job(sample_jobs.count_to, key="count:once", params={"n": 2})
    second = enqueue_job(sample_jobs.count_to, key="count:once", params={"n": 9})
    assert first.pk == second.pk
    work()
    again = enqueue_job(sample_jobs.count_to, key="count:once", params={"n": 9})
    assert again.status == RunStatus.SUCCEEDED
    assert again.result == {"counted": 2}
    assert JobRun.objects.filter(key="count:once").count() == 1


def test_a_second_delivery_of_a_finished_run_does_nothing() -> None:
    run = enqueue_job(sample_jobs.count_to, key="count:twice", params={"n": 1})
    work()
    sample_jobs.count_to.enqueue(str(run.public_id))
    work()
    run.refresh_from_db()
    assert run.attempts == 1


def test_a_failing_job_is_retried_until_it_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    run = enqueue_job(sample_jobs.fails_then_succeeds, key="flaky", params={"succeed_on": 3})
    with caplog.at_level(logging.INFO, logger="acucare.jobs"):
        work()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts == 3
    assert run.result == {"attempt": 3}
    # Only the exception's class is kept or logged: its message quoted patient data.
    failures = [r for r in caplog.records if r.getMessage() == "job attempt failed"]
    assert len(failures) == 2
    assert all(r.error.endswith("FlakyError") for r in failures)  # type: ignore[attr-defined]
    assert "Jane" not in caplog.text
    assert run.error.endswith("FlakyError")


def test_a_job_that_keeps_failing_stops_at_its_limit_and_can_be_asked_for_again() -> None:
    run = enqueue_job(sample_jobs.always_fails, key="doomed")
    work()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.attempts == 2
    assert run.error == "tests.jobs.sample_jobs.FlakyError"
    retried = enqueue_job(sample_jobs.always_fails, key="doomed")
    assert retried.pk == run.pk
    assert (retried.status, retried.attempts, retried.error) == (RunStatus.QUEUED, 0, "")


def test_enqueue_refuses_a_function_not_declared_as_a_job_and_a_bad_key() -> None:
    with pytest.raises(ValueError, match="not declared with @job"):
        enqueue_job(sample_jobs.plain_task, key="x")
    with pytest.raises(ValueError, match="key"):
        enqueue_job(sample_jobs.count_to, key="")
    with pytest.raises(ValueError, match="max_attempts"):
        job(max_attempts=0)
    assert job_run("00000000-0000-0000-0000-000000000000") is None
