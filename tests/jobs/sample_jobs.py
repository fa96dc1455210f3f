"""Jobs the framework tests run on a real worker (importable by path, as any job)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from acucare.jobs.framework import JobContext, job


class FlakyError(Exception):
    pass


@job(max_attempts=3, retry_after_seconds=0)
def count_to(ctx: JobContext) -> dict[str, Any]:
    total = int(ctx.params["n"])
    for done in range(1, total + 1):
        ctx.progress(done, total, "Counting", force=True)
    return {"counted": total}


@job(max_attempts=3, retry_after_seconds=0)
def fails_then_succeeds(ctx: JobContext) -> dict[str, Any]:
    if ctx.attempt < int(ctx.params["succeed_on"]):
        raise FlakyError("Jane Example, born 1970-01-01")
    return {"attempt": ctx.attempt}


@job(max_attempts=2, retry_after_seconds=0)
def always_fails(ctx: JobContext) -> None:
    raise FlakyError("never")


@task
def plain_task(run_id: str) -> None:
    """A django-tasks task not declared with @job."""
