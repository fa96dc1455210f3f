"""Document fixtures: a private document store per test, and fast password hashing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.clinic_fixtures import fast_password_hashing

__all__ = ["document_store", "fast_password_hashing"]


@pytest.fixture(autouse=True)
def document_store(tmp_path: Path, settings: Any) -> Path:
    """Each test signs into its own MEDIA_ROOT, never the developer's var/documents."""
    folder = tmp_path / "documents"
    folder.mkdir()
    settings.MEDIA_ROOT = folder
    settings.ACUCARE_CLINIC_ADDRESS = "1 Harbour Street\nDemo Town DT1 1AA"
    settings.ACUCARE_CLINIC_PHONE = "020 7946 0000"
    settings.ACUCARE_CLINIC_EMAIL = "desk@clinic.example"
    return folder
