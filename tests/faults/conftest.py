"""Fixtures of the fault suite: PostgreSQL and a private redis-server are required (under CI a
missing one fails the test; locally it is skipped), customers for a counted workload, peers, and
Avisos processes (workers, the CLI) started against the test database and killed by pid."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest

from app.extensions import db
from app.models import Customer
from tests import factories as f
from tests.conftest import BASE_OVERRIDES, IN_CI
from tests.faults.harness import AvisosProcess, RedisServer, config_env, customer_email, customer_phone

CUSTOMERS = 400


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture
def pg_url(database_url: str) -> str:
    """The test database's URL in libpq's form (psycopg.connect and the app both take it); the fault
    suite needs PostgreSQL (liveness locks, pg_terminate_backend)."""
    if not database_url.startswith("postgres"):
        _missing("the fault suite needs PostgreSQL (TEST_DATABASE_URL)")
    scheme, rest = database_url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, on a random free port, to stop and start."""
    if shutil.which("redis-server") is None:
        _missing("redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def fault_data(app, pg_url) -> None:
    """The basic catalog (email and WhatsApp on), an API key, and customers f-0 .. f-399, each
    with its own email address and WhatsApp number."""
    f.basic_setup(channels={"email": True, "whatsapp": True, "push": False})
    db.session.add_all(Customer(customer_id=f"f-{i}", first_name="Cliente", last_name=str(i), email=customer_email(i),
                                phone=customer_phone(i), whatsapp="") for i in range(CUSTOMERS))
    db.session.commit()


@pytest.fixture
def peer_settings(smtp_peer, evolution_peer) -> dict:
    """EMAIL_* and EVOLUTION_* settings pointing at this test's peers."""
    return {**smtp_peer.settings(DEFAULT_FROM_EMAIL=BASE_OVERRIDES["DEFAULT_FROM_EMAIL"]),
            **evolution_peer.settings(EVOLUTION_TIMEOUT=1.0)}


@pytest.fixture
def avisos_env(pg_url, peer_settings) -> Callable[..., dict[str, str]]:
    """The environment of an Avisos process on the test database and peers (plus `extra`)."""

    def build(**extra) -> dict[str, str]:
        settings = {**BASE_OVERRIDES, **peer_settings, "DATABASE_URL": pg_url, "LOG_LEVEL": "INFO",
                    "JOBS_MODE": None, "RETRY_BACKOFF_SECONDS": [1, 1, 1], **extra}
        return config_env(settings)

    return build


@pytest.fixture
def spawn(tmp_path) -> Iterator[Callable[..., AvisosProcess]]:
    """Start `flask --app wsgi ARGS` (or `command`) processes; every one is stopped, by pid, at teardown."""
    started: list[AvisosProcess] = []

    def start(args: list[str], env: dict[str, str], name: str, command: list[str] | None = None) -> AvisosProcess:
        log_path = tmp_path / f"{name}-{len(started)}.log"
        process = AvisosProcess(command, env, log_path) if command else AvisosProcess.flask(args, env, log_path)
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def rq_app(make_app, app, private_redis, peer_settings):
    """An app on the test database whose jobs go to the private Redis (dispatches grouped by the
    writer, as in gunicorn); its writer threads are stopped at the end."""
    from app.dispatch import stop_dispatch_writer

    built = make_app(JOBS_MODE="rq", REDIS_URL=private_redis.url, **peer_settings)
    yield built
    stop_dispatch_writer(built)
    built.extensions["avisos_jobs"].shutdown()
    with built.app_context():
        db.session.remove()
        db.engine.dispose()
