"""Noticing a lost database connection, and riding it out.

PostgreSQL ends a connection by sending a FATAL message and closing the socket: a server restart,
`pg_terminate_backend`, an idle timeout. A pooled connection that sat idle meanwhile only finds
out on its next statement, which then fails. Pinging on every checkout (`pool_pre_ping`) costs a
round trip per request; instead each checkout asks the kernel whether the server has written to
an idle connection's socket (one `poll()` call, no round trip). An idle connection has nothing
to read unless the server said goodbye (or sent an unasked notice: a sound connection is then
replaced, which costs a reconnect and nothing else). Such a connection is discarded, with every
other pooled connection older than it (SQLAlchemy's pool invalidation), and the checkout gets a
fresh one. A connection that dies during
a statement fails that statement; SQLAlchemy invalidates the pool the same way, and the request
answers 503 (app/errors.py). A silent network loss is not seen by the poll: the statement fails
after the TCP timeout and heals the same way.

`retry_transient` is for work that must not be lost to a blip (recording a delivery outcome):
it rolls the session back and runs the work again until the database answers or a deadline passes.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")


def peer_closed(connection: Any) -> bool:
    """True when a psycopg connection is closed or broken, or its idle socket is readable (the
    server sent something unasked: its goodbye). Costs one poll() system call."""
    if connection.closed or connection.broken:
        return True
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg.Error):
        return True


def install_checkout_check(engine) -> None:
    """Discard (with the rest of the pool) a PostgreSQL connection the server closed while it was
    idle, at checkout, so the request that takes it gets a fresh one."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def _reject_closed(dbapi_connection, _record, _proxy):
        if peer_closed(dbapi_connection):
            raise InvalidatePoolError("the server closed this idle connection")


def is_transient(err: BaseException) -> bool:
    """A database error of the moment, not of the statement: the connection or the server went
    away, or the database could not do it now (OperationalError: shutdown, timeouts, deadlocks).
    Worth a 503 with Retry-After, or trying again."""
    if isinstance(err, DBAPIError):
        return bool(err.connection_invalidated) or isinstance(err, (OperationalError, InterfaceError))
    return isinstance(err, (PoolTimeoutError, psycopg.OperationalError, psycopg.InterfaceError))


def retry_transient(work: Callable[[], T], *, deadline_seconds: float, what: str) -> T:
    """Run `work` (which must be safe to run again after a rollback) until it gets through a lost
    connection: the session is rolled back and the work retried with backoff (0.2 s doubling to
    5 s) until `deadline_seconds` have passed, then the last error is raised. Logs once per outage."""
    deadline = time.monotonic() + deadline_seconds
    delay, logged, started = 0.2, False, time.monotonic()
    while True:
        try:
            result = work()
        except Exception as err:
            if not is_transient(err) or time.monotonic() + delay > deadline:
                raise
            _rollback()
            if not logged:
                log.warning("database connection lost while %s; retrying until it answers", what)
                logged = True
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        if logged:
            log.warning("database answered again after %.1f s; %s done", time.monotonic() - started, what)
        return result


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a dead connection may fail even its rollback; it is discarded
        db.session.close()


def remove_session() -> None:
    """End this thread's session; a connection that died under it fails its rollback, and is
    discarded by the pool: that is not an error of the caller."""
    try:
        db.session.remove()
    except Exception as err:
        if not is_transient(err):
            raise
        log.debug("session closed on a lost connection: %s", err)
