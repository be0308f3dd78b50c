"""Console fixtures: a user per role and test clients signed in through the real /login form."""

from __future__ import annotations

import re

import pytest

from tests import factories

PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str:
    """The CSRF token a rendered page carries (forms) or, failing that, the meta tag."""
    match = _TOKEN.search(html)
    if match is None:
        raise AssertionError("no csrf_token on the page")
    return match.group(1) or match.group(2)


class ConsoleClient:
    """A Flask test client that keeps a CSRF token and sends it with every form POST."""

    def __init__(self, client):
        self.client = client
        self.token = csrf_token_from(client.get("/login").get_data(as_text=True))

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.post("/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def make_user(app):
    def factory(role: str = "admin", email: str | None = None, password: str = PASSWORD):
        return factories.user(email or f"{role}@taller.test", role, password)

    return factory


@pytest.fixture
def console(app):
    """An anonymous console client (CSRF token ready)."""
    return ConsoleClient(app.test_client())


@pytest.fixture
def signed_in(app, make_user):
    """signed_in(role) -> a ConsoleClient signed in as a fresh user with that role."""

    def factory(role: str = "admin") -> ConsoleClient:
        user = make_user(role)
        client = ConsoleClient(app.test_client())
        response = client.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return factory


@pytest.fixture(autouse=True)
def _fresh_chart_cache():
    """The analytics page keeps its charts for a minute per range: start every test without them."""
    from app.console import charts

    charts._cache.clear()
    yield
    charts._cache.clear()


class StoppedClock:
    """A UTC clock that stands still until a test moves it."""

    def __init__(self) -> None:
        from app.models.base import utcnow

        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sign_in_clock(monkeypatch) -> StoppedClock:
    """The sign-in code's clock, stopped: a wait between attempts ends only when the test says so
    (on a busy machine a real 1 s wait could end between two requests)."""
    from app.console import auth

    clock = StoppedClock()
    monkeypatch.setattr(auth, "utcnow", clock)
    return clock
