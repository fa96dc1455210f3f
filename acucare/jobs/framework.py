"""How a long piece of work becomes a background job.

    from acucare.jobs.framework import JobContext, enqueue_job, job

    @job(max_attempts=3, retry_after_seconds=60)
    def clinic_report(ctx: JobContext) -> dict[str, object]:
        months = ctx.params["months"]
        for done, chunk in enumerate(chunks, start=1):
            ...
            ctx.progress(done, len(chunks), "Counting sessions")
        return {"file": "reports/clinic-2026-12.csv"}

    run = enqueue_job(clinic_report, key=f"clinic-report:{month}", params={"months": 1})

The conventions, each enforced here rather than left to every job:

* **The queue carries only a run id.** Parameters, progress and the outcome live in a
  `JobRun` row in the clinic's database, so no patient data passes through Redis and a
  job's state can be shown without asking the queue. Parameters must be JSON values.
* **Idempotent by key.** `enqueue_job` with a key that is queued, running, retrying or
  finished returns that run and queues nothing; only a failed run is queued again. A job
  body must itself be safe to run twice (a worker can die after the work but before the
  row is marked finished): write outputs under names derived from the key, replace
  rather than append.
* **Retries.** An exception in the job is an attempt; until `max_attempts` is reached
  the run is queued again after `retry_after_seconds` (doubling each time) and shows
  `retrying`; then it is `failed`. Only the exception's class is stored and logged:
  messages can quote the data that caused them.
* **Progress.** `ctx.progress(done, total, message)` writes straight to the run's row
  (outside any transaction the job holds), so a page or `manage.py jobs` sees it live.
  Messages say what step is running, never whose record.

Workers: `manage.py worker` (the database backend's `db_worker`, or RQ's worker with the
scheduler that retries need when `ACUCARE_TASKS_BACKEND=redis`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from acucare.jobs.models import JobRun, RunStatus

logger = logging.getLogger("acucare.jobs")

JobFunction = Callable[["JobContext"], Any]
JobTask = Task[[str], Any]


@dataclass(frozen=True)
class JobOptions:
    max_attempts: int
    retry_after_seconds: float


_OPTIONS: dict[str, JobOptions] = {}


class JobAttemptError(Exception):
    """What the queue sees when a job raises: the original exception's class, no message."""


class JobContext:
    """What a running job sees: its parameters and a way to report progress."""

    def __init__(self, run: JobRun) -> None:
        self._run = run
        self._last_write = 0.0

    @property
    def params(self) -> Mapping[str, Any]:
        return dict(self._run.params)

    @property
    def key(self) -> str:
        return self._run.key

    @property
    def attempt(self) -> int:
        return self._run.attempts

    def progress(self, done: int, total: int, message: str = "", *, force: bool = False) -> None:
        """Record progress; writes at most about once a second unless `force` or done."""
        now = time.monotonic()
        if not force and done < total and now - self._last_write < 1.0:
            return
        self._last_write = now
        self._run.progress_done = max(0, done)
        self._run.progress_total = max(0, total)
        self._run.progress_message = message[:200]
        JobRun.objects.filter(pk=self._run.pk).update(
            progress_done=self._run.progress_done,
            progress_total=self._run.progress_total,
            progress_message=self._run.progress_message,
        )


def job(
    *, max_attempts: int = 3, retry_after_seconds: float = 30.0
) -> Callable[[JobFunction], JobTask]:
    """Make `function(ctx)` a background job (a django-tasks Task taking a run id)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorate(function: JobFunction) -> JobTask:
        @functools.wraps(function)
        def run_job(run_id: str) -> Any:
            return _execute(function, run_id)

        made: JobTask = task(run_job, queue_name=settings.ACUCARE_JOB_QUEUE)
        _OPTIONS[made.module_path] = JobOptions(max_attempts, retry_after_seconds)
        return made

    return decorate


def enqueue_job(job_task: JobTask, *, key: str, params: Mapping[str, Any] | None = None) -> JobRun:
    """Queue a run of `job_task` under `key`, or return the run that already has it."""
    options = _options(job_task)
    if not key or len(key) > 200:
        raise ValueError("key: 1 to 200 characters")
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                key=key,
                task_path=job_task.module_path,
                params=dict(params or {}),
                max_attempts=options.max_attempts,
            )
    except IntegrityError:
        existing = JobRun.objects.get(key=key)
        if existing.status != RunStatus.FAILED:
            return existing
        # A failed run may be asked for again: it starts over with fresh attempts.
        JobRun.objects.filter(pk=existing.pk, status=RunStatus.FAILED).update(
            status=RunStatus.QUEUED,
            attempts=0,
            params=dict(params or existing.params),
            error="",
            progress_done=0,
            progress_message="",
            finished_at=None,
        )
        run = JobRun.objects.get(pk=existing.pk)
    # Queue only after the row is committed, so a fast worker always finds it.
    transaction.on_commit(lambda: job_task.enqueue(str(run.public_id)))
    logger.info("job queued", extra={"job": job_task.name, "run": str(run.public_id)})
    return run


def job_run(run_id: str) -> JobRun | None:
    return JobRun.objects.filter(public_id=run_id).first()


def _options(job_task: JobTask) -> JobOptions:
    try:
        return _OPTIONS[job_task.module_path]
    except KeyError:
        raise ValueError(f"{job_task.module_path} is not declared with @job") from None


def _execute(function: JobFunction, run_id: str) -> Any:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(public_id=run_id).first()
        if run is None:
            logger.warning("job run not found", extra={"run": run_id})
            return None
        if run.status in (RunStatus.SUCCEEDED, RunStatus.RUNNING):
            # Delivered twice (a retried delivery, or two workers): the first one owns it.
            logger.info("job run already %s", run.status, extra={"run": run_id})
            return run.result
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
    started = time.monotonic()
    log = {"job": function.__name__, "run": run_id, "attempt": run.attempts}
    logger.info("job started", extra=log)
    try:
        result = function(JobContext(run))
    except Exception as error:
        kind = _record_failure(run, error, log, time.monotonic() - started)
        # The queue stores and logs what the task raised: hand it the class name only,
        # without the original message or its chained traceback.
        raise JobAttemptError(kind) from None
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        result=result,
        finished_at=timezone.now(),
        progress_done=max(run.progress_done, run.progress_total),
    )
    logger.info(
        "job finished", extra={**log, "duration_ms": round(1000 * (time.monotonic() - started))}
    )
    return result


def _record_failure(run: JobRun, error: Exception, log: dict[str, Any], seconds: float) -> str:
    kind = f"{type(error).__module__}.{type(error).__qualname__}"[:200]
    options = _OPTIONS.get(run.task_path, JobOptions(run.max_attempts, 30.0))
    again = run.attempts < run.max_attempts
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RETRYING if again else RunStatus.FAILED,
        error=kind,
        finished_at=None if again else timezone.now(),
    )
    logger.error(
        "job attempt failed",
        extra={**log, "error": kind, "will_retry": again, "duration_ms": round(1000 * seconds)},
    )
    if again:
        delay = options.retry_after_seconds * 2 ** (run.attempts - 1)
        job_task = _task_for(run.task_path)
        when = timezone.now() + dt.timedelta(seconds=delay)
        if job_task.get_backend().supports_defer:
            job_task.using(run_after=when).enqueue(str(run.public_id))
        else:
            job_task.enqueue(str(run.public_id))
    return kind


def _task_for(task_path: str) -> JobTask:
    from django.utils.module_loading import import_string

    found = import_string(task_path)
    if not isinstance(found, Task):
        raise TypeError(f"{task_path} is not a task")
    return found
