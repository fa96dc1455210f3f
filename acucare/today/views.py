"""The practitioner's day. Views only translate HTTP; reads go through `selectors`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from acucare.core.actor import actor_from_request
from acucare.today import selectors


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    day = selectors.practitioner_today(actor=actor)
    return render(request, "today/today.html", {"day": day, "now": day.date})
