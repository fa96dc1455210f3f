"""Readiness for a load balancer or orchestrator (liveness is /healthz)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from acucare.operations.readiness import database_ready, queue_ready


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Public and read-only: names each dependency and whether it answers, nothing more
    (no versions, addresses or error text). 200 when all answer, else 503."""
    checks = {"database": database_ready(), "queue": queue_ready()}
    ready = all(checks.values())
    return JsonResponse(
        {
            "status": "ready" if ready else "unavailable",
            "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )
