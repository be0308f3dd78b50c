"""Real-browser harness: the test app served by werkzeug in a thread, Debian's Chromium via Playwright.

Fixtures:
- live_url: base URL of the app (on the test database, cleaned after each test like `app`).
- page: a fresh Chromium page (1366x900, a laptop) per test.
- sign_in(page, role="admin") -> User: creates a user with that role and signs in through /login.
- screenshot(page, name): saves tests/artifacts/screenshots/<name>.png (git-ignored).
Every page fails its test when the browser reports a Content-Security-Policy violation (the
console's policy must never break a page: docs/SECURITY.md).

Locally the tests skip when Chromium or Playwright is missing; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests need Chromium and Playwright under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _server(_shared_app):
    """The shared test app on a free loopback port, served by a threaded werkzeug server."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_url(app, _server) -> str:
    """Base URL of the running app; the database is cleaned after the test (via `app`)."""
    return _server


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        _unavailable(f"playwright is not installed: {err}")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def csp_violations(tab) -> list[str]:
    """Collects what the browser console says about Content-Security-Policy violations on `tab`
    (its frames included); the list is the tab's `csp_violations` attribute."""
    found: list[str] = []
    tab.on("console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None)
    tab.csp_violations = found
    return found


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(viewport=LAPTOP, base_url=live_url, locale="es-EC")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    violations = csp_violations(tab)
    yield tab
    context.close()
    assert violations == [], violations


@pytest.fixture
def tablet_page(browser, live_url):
    """A page the size of a tablet in portrait (820x1180, touch)."""
    context = browser.new_context(viewport=TABLET, base_url=live_url, has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    violations = csp_violations(tab)
    yield tab
    context.close()
    assert violations == [], violations


@pytest.fixture
def sign_in(app):
    """sign_in(page, role) -> the user, signed in through the real login form."""
    from tests import factories
    from tests.console.conftest import PASSWORD

    def do(page, role: str = "admin"):
        user = factories.user(f"{role}@taller.test", role, PASSWORD)
        page.goto("/login")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/**")
        return user

    return do


@pytest.fixture
def screenshot():
    """screenshot(page, name) -> path of a full-page PNG in tests/artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _fresh_chart_cache():
    from app.console import charts

    charts._cache.clear()
    yield
