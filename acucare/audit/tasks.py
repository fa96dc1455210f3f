"""Background jobs of the audit app: the daily proof that the audit log is unbroken."""

from __future__ import annotations

import datetime as dt

from acucare.audit.services import audit_verify_run
from acucare.jobs.framework import JobContext, enqueue_job, job
from acucare.jobs.models import JobRun


@job(max_attempts=3, retry_after_seconds=300)
def audit_verify_daily(ctx: JobContext) -> dict[str, object]:
    """Verify the hash chain and keep the result, which the clinic admin sees on the audit
    log page. A broken chain is a result, not a failure: the job succeeds and says so, so
    the queue does not retry a verdict that cannot change."""
    ctx.progress(0, 1, "Verifying the audit log's hash chain", force=True)
    result = audit_verify_run()
    ctx.progress(1, 1, "Audit log verified", force=True)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "message": result.message,
        "first_bad_seq": result.first_bad_seq,
    }


def enqueue_daily_audit_verify(now: dt.datetime | None = None) -> JobRun:
    """Queue today's verification once (the key is the UTC date): a timer that fires twice
    does not verify twice."""
    now = now or dt.datetime.now(dt.UTC)
    return enqueue_job(audit_verify_daily, key=f"audit-verify:{now:%Y-%m-%d}", params={})
