"""The admin's home page summarises the knowledge base; signed-out visitors are sent
to sign in (tests/workflow/test_today.py)."""

from __future__ import annotations

import pytest

from tests.factories import make_admin, signed_in


@pytest.mark.django_db
def test_home_page_shows_the_knowledge_base_version(registry) -> None:
    response = signed_in(make_admin()).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert registry.version in body
    assert "BL" in body  # the point catalogue is summarised by channel
