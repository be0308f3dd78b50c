"""The database pool fits the threads that use it, so requests reuse connections instead of opening
new database sessions (app/config.py: default_pool_size)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from app.config import POOL_SPARE_CONNECTIONS, Config, default_pool_size


def test_the_pool_holds_a_connection_per_request_thread_and_per_writer(monkeypatch):
    monkeypatch.setenv("WEB_THREADS", "24")
    monkeypatch.setenv("DISPATCH_WRITER_THREADS", "2")
    monkeypatch.delenv("DB_POOL_SIZE", raising=False)
    assert default_pool_size() == 24 + 2 + POOL_SPARE_CONNECTIONS


def test_db_pool_size_still_overrides_the_size_from_the_threads(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1/x")
    monkeypatch.setenv("DB_POOL_SIZE", "7")
    assert Config().SQLALCHEMY_ENGINE_OPTIONS["pool_size"] == 7


def test_concurrent_readyz_requests_reuse_pooled_connections(make_app, monkeypatch):
    threads, rounds = 16, 3
    monkeypatch.setenv("WEB_THREADS", str(threads))
    monkeypatch.delenv("DB_POOL_SIZE", raising=False)
    app = make_app()
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the pool settings apply to PostgreSQL (SQLite opens a file)")
    connects = []
    event.listen(engine, "connect", lambda *_: connects.append(1))
    # Every request of a round holds its connection until all of them hold one, as 16 request
    # threads waiting on the database at once do under load.
    all_hold = threading.Barrier(threads)
    event.listen(engine, "checkout", lambda *_: all_hold.wait(timeout=30))
    codes = []

    def client_thread():
        client = app.test_client()
        for _ in range(rounds):
            codes.append(client.get("/readyz").status_code)

    workers = [threading.Thread(target=client_thread) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)
    assert codes == [200] * (threads * rounds)
    assert engine.pool.size() >= threads
    assert len(connects) == threads  # one per thread, kept: not one per request
    engine.dispose()
