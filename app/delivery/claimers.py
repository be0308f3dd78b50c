"""Who holds a claim, and whether that process is still alive.

Every claim records the claiming process's id (`notifications.claimed_by`, a random number drawn
when the process first claims). On PostgreSQL the process also holds a session advisory lock
`(LOCK_NAMESPACE, id)` on a connection of its own for as long as it lives. When it dies (SIGKILL,
out of memory, a crash) the kernel closes that connection and PostgreSQL releases the lock at
once; a host that vanishes without closing it is noticed by the TCP keepalive the connection
asks for (about 25 s). No heartbeat is written anywhere: `dead_claimers()` is one query that
lists the claimers of `sending` rows whose lock nobody holds.

A live process can lose its lock for a moment: a database blip ends that connection too. A
daemon thread checks the connection every second (a `poll()`, no round trip) and takes the lock
again as soon as the database answers; the watch (watch.py) only gives rows back from a
claimer it has seen dead twice, a watch interval apart.

On SQLite (embedded mode: one process) there is no lock: `reclaim_previous_incarnations` gives
back, when the process starts, rows claimed by any other claimer id, i.e. by the process that ran
before this one.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading

import psycopg
from flask import current_app
from sqlalchemy import select, text

from app.db_health import peer_closed
from app.extensions import db
from app.models import Notification
from app.models.enums import NotificationStatus as S

log = logging.getLogger(__name__)

# pg_advisory_lock(int4, int4): the first key names Avisos' claimer locks ("AVIS"), the second is the id.
LOCK_NAMESPACE = 0x41564953
_KEEP_EVERY_SECONDS = 1.0
# The server drops the lock of a host that vanished after about idle + interval * count seconds.
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
_SERVER_KEEPALIVE = ("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; "
                     "SET tcp_keepalives_count = 3")

_DEAD_CLAIMERS = text("""
    SELECT DISTINCT n.claimed_by FROM notifications n
    WHERE n.status = 'sending' AND n.claimed_by IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = CAST(:namespace AS oid) AND l.objid = CAST(n.claimed_by AS oid))
""")


class ProcessClaimer:
    """This process's claimer id and, on PostgreSQL, the lock that says it is alive."""

    def __init__(self, conninfo: str | None):
        self.id = _new_id()
        self.pid = os.getpid()
        self.conninfo = conninfo
        self._connection: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._lost_logged = False
        self._thread: threading.Thread | None = None

    def start(self) -> ProcessClaimer:
        """Take the lock (first claims wait for it) and keep it on a daemon thread."""
        if self.conninfo is None:
            return self
        self.hold(first=True)
        self._thread = threading.Thread(target=self._keep, name="avisos-claimer", daemon=True)
        self._thread.start()
        return self

    def holds_lock(self) -> bool:
        connection = self._connection
        return connection is not None and not peer_closed(connection)

    def hold(self, first: bool = False) -> bool:
        """Make sure the lock is held, reconnecting when its connection was lost. True when held."""
        with self._lock:
            if self.holds_lock():
                return True
            self._close()
            try:
                self._connection = self._lock_connection(first)
            except psycopg.Error as err:
                if not self._lost_logged:
                    log.warning("claimer %s: cannot hold its liveness lock (%s); retrying every %.0f s",
                                self.id, str(err).strip().splitlines()[0] if str(err).strip() else err,
                                _KEEP_EVERY_SECONDS)
                    self._lost_logged = True
                return False
            if self._lost_logged:
                log.warning("claimer %s: liveness lock held again", self.id)
                self._lost_logged = False
            return True

    def stop(self) -> None:
        """Release the lock (a stopping process; tests)."""
        self._stop.set()
        with self._lock:
            self._close()

    def _lock_connection(self, first: bool) -> psycopg.Connection:
        connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                     application_name=f"avisos claimer {self.id} pid {self.pid}", **_KEEPALIVE)
        try:
            connection.execute(_SERVER_KEEPALIVE)
            while not connection.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.id]).fetchone()[0]:
                if not first:
                    # Our rows carry this id: keep it, and report (another process drew it too).
                    raise psycopg.OperationalError(f"claimer id {self.id} is held by another process")
                self.id = _new_id()
        except BaseException:
            connection.close()
            raise
        return connection

    def _keep(self) -> None:
        while not self._stop.wait(_KEEP_EVERY_SECONDS):
            try:
                self.hold()
            except Exception:  # the thread must outlive anything one check raises
                log.exception("claimer %s: keeping the liveness lock failed", self.id)

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except psycopg.Error:
                pass


def _new_id() -> int:
    return secrets.randbelow(2**31 - 2) + 1


_claimers: dict[str, ProcessClaimer] = {}
_claimers_lock = threading.Lock()


def process_claimer() -> ProcessClaimer:
    """This process's claimer for the app's database (created, and its lock taken, on first use)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    claimer = _claimers.get(url)
    if claimer is not None and claimer.pid == os.getpid():
        return claimer
    with _claimers_lock:
        claimer = _claimers.get(url)
        if claimer is None or claimer.pid != os.getpid():
            claimer = _claimers[url] = ProcessClaimer(_lock_conninfo()).start()
    return claimer


def _drop_inherited_locks() -> None:
    """In a forked child (RQ forks its scheduler from the worker): the child must not keep its
    parent's lock connection open, or the lock would outlive a parent that dies. Its copy of the
    socket is pointed at /dev/null: closing it through libpq would end the parent's session."""
    global _claimers_lock
    _claimers_lock = threading.Lock()
    for claimer in list(_claimers.values()):
        connection, claimer._connection = claimer._connection, None
        if connection is None:
            continue
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, connection.fileno())
            os.close(null)
        except (OSError, psycopg.Error):
            pass
    _claimers.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


def claimer_id() -> int:
    """The id this process writes into `claimed_by`."""
    return process_claimer().id


def _lock_conninfo() -> str | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def dead_claimers() -> set[int]:
    """Claimers of `sending` rows whose liveness lock nobody holds (PostgreSQL; empty elsewhere)."""
    if db.engine.dialect.name != "postgresql":
        return set()
    dead = set(db.session.scalars(_DEAD_CLAIMERS, {"namespace": LOCK_NAMESPACE}))
    db.session.commit()
    return dead


def previous_incarnations() -> set[int]:
    """Claimers of `sending` rows other than this process (embedded mode: the process before)."""
    mine = claimer_id()
    rows = db.session.scalars(select(Notification.claimed_by).distinct().where(
        Notification.status == S.SENDING, Notification.claimed_by.is_not(None), Notification.claimed_by != mine))
    found = set(rows)
    db.session.commit()
    return found
