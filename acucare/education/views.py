"""The education pages under /portal/learn/: public, no patient data, work without JavaScript.
Views only translate HTTP; the content comes through `selectors` from the knowledge base."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from acucare.education import selectors


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "education/index.html", {"topics": selectors.education_index()})


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    view = selectors.education_page(slug=slug)
    return render(request, "education/page.html", {"page": view})
