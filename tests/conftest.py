"""Test harness.

Under CI (CI=true) the suite runs against the machine's real PostgreSQL and Redis and fails if they
are missing. Locally, without TEST_DATABASE_URL / TEST_REDIS_URL, it runs on a SQLite file with
in-process jobs, and the tests that need Redis are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.peers.fixtures"]

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_TEST_DB = "avisos_test"


def pytest_collection_modifyitems(items):
    """Every test under tests/browser drives Chromium: mark it `browser` (the fast subset leaves it out)."""
    browser = Path(__file__).parent / "browser"
    for item in items:
        if browser in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if IN_CI:
        return f"postgresql://postgres@127.0.0.1:5432/{PG_TEST_DB}"
    return f"sqlite:///{tmp_root / 'avisos-test.db'}"


def redis_test_url() -> str | None:
    return os.environ.get("TEST_REDIS_URL") or ("redis://127.0.0.1:6379/15" if IN_CI else None)


def _recreate_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = os.environ.get("TEST_PG_ADMIN_URL", PG_ADMIN_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        pytest.fail(f"PostgreSQL is required for this run and did not answer: {err}")


BASE_OVERRIDES = {
    "AVISOS_ENV": "testing",
    "JOBS_MODE": "inline",
    "REDIS_URL": None,
    "SECRET_KEY": "test-secret-key",
    "INTERNAL_API_SECRET_KEY": "internal-test-secret",
    "SNAPSHOT_TTL_SECONDS": 0.0,
    "RETRY_BACKOFF_SECONDS": [30, 120, 600],
    # Delivery wakes in the caller's thread, so rq-mode tests see the job as soon as the call returns
    # (the coalesced wake of production has its own tests: tests/jobs/test_coalescer.py).
    "DELIVERY_WAKE_INTERVAL_SECONDS": 0,
    "DEFAULT_FROM_EMAIL": "Taller Avisos <avisos@taller.test>",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": 1,
    "EMAIL_TIMEOUT": 10.0,
    "EVOLUTION_API_URL": "",
    "EVOLUTION_API_KEY": "",
    "EVOLUTION_INSTANCE": "",
    "EVOLUTION_TIMEOUT": 10.0,
    "VAPID_PUBLIC_KEY": "",
    "VAPID_PRIVATE_KEY": "",
    "VAPID_CONTACT_EMAIL": "ops@taller.test",
    "FRONTEND_URL": "https://app.taller.test",
    "PUBLIC_URL": "https://avisos.taller.test",
    "DEFAULT_WORKSHOP_NAME": "Taller Central",
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgres"):
        _recreate_postgres_database(url)
    _migrate(url)
    return url


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({**BASE_OVERRIDES, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def _fresh_globals_client_class():
    from flask import g, has_app_context
    from flask.testing import FlaskClient

    class FreshGlobalsClient(FlaskClient):
        """Each request starts with an empty `g`, as in production, although the test's app context
        (pushed by the `app` fixture) outlives it: Flask-Login keeps the signed-in user there and
        Flask-WTF the CSRF token, which would otherwise leak from one client's request to the next."""

        def open(self, *args, **kwargs):
            if has_app_context():
                vars(g).clear()
            return super().open(*args, **kwargs)

    return FreshGlobalsClient


@pytest.fixture(scope="session")
def make_app(database_url):
    """Build an app on the test database with extra settings (e.g. JOBS_MODE='rq')."""
    from app import create_app

    client_class = _fresh_globals_client_class()

    def factory(**overrides):
        built = create_app({**BASE_OVERRIDES, "DATABASE_URL": database_url, **overrides})
        built.test_client_class = client_class
        return built

    return factory


@pytest.fixture(scope="session")
def _shared_app(make_app):
    return make_app()


def _clean_database(app) -> None:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
            else:
                conn.execute(text("PRAGMA foreign_keys=OFF"))
                for table in reversed(tables):
                    conn.execute(text(f'DELETE FROM "{table}"'))
                conn.execute(text("PRAGMA foreign_keys=ON"))


def _reset_process_caches() -> None:
    from app import catalog
    from app.api.auth import forget_cached_keys
    from app.channels.pool import close_all
    from app.extensions import limiter

    forget_cached_keys()
    try:
        limiter.reset()  # rate-limit counters (sign-ins per address among them) start empty in every test
    except Exception:  # noqa: BLE001 - a test pointed the limiter at a Redis that is down on purpose
        pass
    catalog.invalidate_snapshot()
    close_all()


@pytest.fixture
def app(_shared_app):
    """The app with a clean database and its settings restored after the test."""
    saved = dict(_shared_app.config)
    _reset_process_caches()
    jobs = _shared_app.extensions["avisos_jobs"]
    jobs.errors.clear()
    jobs.pending.clear()
    jobs.mode = "inline"
    ctx = _shared_app.app_context()
    ctx.push()
    try:
        yield _shared_app
    finally:
        from app.extensions import db

        db.session.remove()
        ctx.pop()
        _shared_app.config.clear()
        _shared_app.config.update(saved)
        _reset_process_caches()
        _clean_database(_shared_app)


@pytest.fixture
def db_session(app):
    from app.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_key(app) -> str:
    """A raw API key with every scope."""
    from app.api.auth import generate_api_key
    from app.extensions import db

    _, raw = generate_api_key("tests", scopes="dispatch read manage push")
    db.session.commit()
    return raw


@pytest.fixture
def api_headers(api_key) -> dict:
    return {"Authorization": f"ApiKey {api_key}"}


@pytest.fixture
def internal_headers() -> dict:
    return {"X-Internal-Secret": BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"]}


@pytest.fixture
def peers_configured(app, smtp_peer, evolution_peer, push_peer, vapid_keys):
    """Point every channel at its local peer."""
    app.config.update(smtp_peer.settings(DEFAULT_FROM_EMAIL=BASE_OVERRIDES["DEFAULT_FROM_EMAIL"]))
    app.config.update(evolution_peer.settings())
    app.config.update(vapid_keys.settings(FRONTEND_URL=BASE_OVERRIDES["FRONTEND_URL"]))
    return {"smtp": smtp_peer, "evolution": evolution_peer, "push": push_peer}


@pytest.fixture
def redis_url():
    """A real Redis (db 15, flushed). Fails under CI when missing; skips locally."""
    url = redis_test_url()
    if url is None:
        pytest.skip("Redis tests need TEST_REDIS_URL (set automatically under CI=true)")
    from redis import Redis

    conn = Redis.from_url(url)
    try:
        conn.ping()
    except Exception as err:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"Redis is required under CI and did not answer: {err}")
        pytest.skip(f"Redis not reachable: {err}")
    conn.flushdb()
    yield url
    conn.flushdb()
