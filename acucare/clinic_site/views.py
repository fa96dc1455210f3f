"""Site-wide pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from acucare.clinic_site.selectors import knowledge_summary


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "clinic_site/home.html", {"summary": knowledge_summary()})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer or monitor: the process answers requests. It reads
    nothing (no database, no session), so it is also the floor `bench/web.py` measures
    the other pages against."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
