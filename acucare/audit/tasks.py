"""Background jobs of the audit app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from acucare.audit.services import audit_verify_run


@task()
def audit_verify_daily() -> dict[str, object]:
    """Run once a day from the job queue: verify the hash chain and keep the result,
    which the clinic admin sees on the audit log page."""
    result = audit_verify_run()
    return {"ok": result.ok, "checked": result.checked, "message": result.message}
