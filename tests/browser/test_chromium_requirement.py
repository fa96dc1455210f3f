"""Without Debian's Chromium the browser tests skip, saying why, except in CI, where
they fail: a CI run must not pass with its browser tests silently missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import conftest


def test_a_missing_browser_skips_outside_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser-deps"):
        conftest._require_chromium()


def test_a_missing_browser_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest._require_chromium()


def test_a_present_browser_is_used(monkeypatch, tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("")
    monkeypatch.setattr(conftest, "CHROMIUM", Path(browser))
    monkeypatch.setenv("CI", "true")
    conftest._require_chromium()  # neither skips nor fails
