"""Site-wide pages."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from acucare.clinic_site.selectors import knowledge_summary


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where each visitor starts: signed out, the sign-in page; a practitioner, their
    day; reception, the diary; a patient, their portal; the clinic admin, the knowledge
    base this clinic runs."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login("/")
    role = getattr(user, "role", "")
    if role == "practitioner":
        return redirect("today:today")
    if role == "reception":
        return redirect("scheduling:diary")
    if role == "patient":
        return redirect("portal:home")
    return render(request, "clinic_site/home.html", {"summary": knowledge_summary()})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer or monitor: the process answers requests. It reads
    nothing (no database, no session), so it is also the floor `bench/web.py` measures
    the other pages against."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
