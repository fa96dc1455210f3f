"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server (a real HTTP server on a transactional test database).

Chromium is never downloaded: `make browser-deps` installs Debian's package. Without it
the tests are skipped with the reason, except in CI, where a missing browser fails."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.clinic_fixtures import fast_password_hashing
from tests.factories import PASSWORD

__all__ = ["fast_password_hashing"]

CHROMIUM = Path("/usr/bin/chromium")
# The flags Chromium needs on these machines: no sandbox (root), no GPU, and none of the
# background connections to Google's hosts that the closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a slow shared machine, short enough that a missing element fails fast.
TIMEOUT_MS = 15_000
# The two screens every journey runs on (issue 15): a desktop and a phone.
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# `@SCREENS` on a test taking `screen` runs it once at each width.
SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366px", "390px"])


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but Debian's Chromium is missing at {CHROMIUM}")
    pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (run `make browser-deps`)")


@pytest.fixture(scope="session", autouse=True)
def serial_live_server() -> Iterator[None]:
    """Serve the browser one request at a time.

    The test database is in-memory SQLite, and the live server's threads all share its
    one connection: two requests served at once interleave their transactions on it (seen
    as two audit events given the same sequence number, and as an update that found no
    row). A clinic's server gives each request its own connection, so this is the test
    harness's problem, not the application's. A server without threads closes each
    connection after its response, so Chromium's parallel requests simply queue."""
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        # The live server thread has already taken the shared connections over
        # (LiveServerThread.run); without threads there is nothing more to hand on.
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", SerialWSGIServer)
        yield


@pytest.fixture
def live_settings(settings: Any) -> Any:
    """Settings for a browser talking plain HTTP to the live server."""
    # The live server is http; production keeps these cookies Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return settings


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One Chromium process per test module; each test gets its own context (cookies).

    Module scope, not session: Playwright's event loop must not outlive the browser
    tests, or the ORM of every test after them would refuse to run (pytest-randomly
    keeps a module's tests together)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop on this thread; the tests' own ORM calls
    # (factories, assertions, the live server's flush) stay synchronous, so Django's
    # async guard is lifted while the browser runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any, live_settings: Any) -> Iterator[Any]:
    """A fresh browser context and page; console errors are collected on `page.problems`."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Sign in through the pages: password, then the two-factor code when enrolled."""

    def sign_in(page: Any, username: str, totp: pyotp.TOTP | None = None) -> None:
        page.goto(f"{page.base_url}/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if totp is not None:
            page.get_by_label("Six-digit code").fill(totp.now())
            page.get_by_role("button", name="Verify").click()
        page.get_by_role("button", name="Sign out").wait_for()

    return sign_in


def csp_violations(page: Any) -> list[str]:
    return [p for p in page.problems if "Content Security Policy" in p]


BLOCKING_IMPACTS = {"serious", "critical"}


def serious_violations(page: Any) -> list[str]:
    """axe-core's `serious` and `critical` findings on the page as it stands, one line
    each with up to three of the elements concerned."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"][0]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
