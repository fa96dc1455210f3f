"""`/api/v1/docs` serves the interactive API documentation from the project's own
static files, so it works under the strict Content-Security-Policy (issue 15, item 15)."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_docs_page_loads_only_local_assets():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html.replace('<script type="application/json"', "")
    assert "script-src 'self'" in response["Content-Security-Policy"]
