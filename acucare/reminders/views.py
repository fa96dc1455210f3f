"""The clinic admin's page of reminders: what was sent, what failed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from acucare.core.actor import actor_from_request
from acucare.reminders.selectors import reminders_recent


@login_required
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    reminders = reminders_recent(actor=actor_from_request(request))
    return render(request, "reminders/list.html", {"reminders": reminders})
