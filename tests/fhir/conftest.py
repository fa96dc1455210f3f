"""FHIR fixtures: a private MEDIA_ROOT per test (signed PDFs, record archives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> Path:
    """Each test stores documents and archives in its own folder, never var/documents."""
    folder = tmp_path / "media"
    folder.mkdir()
    settings.MEDIA_ROOT = folder
    return folder
