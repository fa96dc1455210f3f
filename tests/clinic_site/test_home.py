"""The home page summarises the knowledge base."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_home_page_shows_the_knowledge_base_version(client: Client, registry) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert registry.version in body
    assert "BL" in body  # the point catalogue is summarised by channel
