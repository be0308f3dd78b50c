"""The watch: a thread in every `flask worker`, in the `flask scheduler` and in the embedded server
that, every WATCH_INTERVAL_SECONDS, puts back on its way what no job will:

- rows claimed by a process that died (claimers.py), given back once the claimer has been
  seen dead on two checks in a row (a live worker whose liveness lock a database blip cut takes it
  back within a second), then delivery is woken;
- scheduled rows whose planned time has come (send_at, a send window, a cap) become queued
  (schedule.py), and delivery is woken;
- due rows no delivery job is on, queued or past their retry time for longer than one interval (a
  wake lost while Redis was down, a retry whose timer was lost, a lane marker whose job is gone):
  the free lanes are woken, and stale lane markers cleared.

A failing round (database or Redis down) is logged once, then the watch keeps trying.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.db_health import remove_session
from app.delivery import claimers, sweeper
from app.delivery.schedule import release_due
from app.extensions import db
from app.queue import wake_lanes

log = logging.getLogger(__name__)


class Watch:
    """One daemon thread running `check()` every `interval` seconds in its own app context."""

    def __init__(self, app: Flask, interval: float | None = None):
        self.app = app
        self.interval = float(interval if interval is not None else app.config.get("WATCH_INTERVAL_SECONDS", 5.0))
        self._suspects: dict[int, float] = {}
        self._failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="avisos-watch", daemon=True)

    def start(self) -> Watch:
        if self.interval > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def check(self) -> dict:
        """One round (needs an app context): returns what it did."""
        reclaimed = sweeper.recover_dead_claims(self._confirmed_dead(claimers.dead_claimers()))
        released = release_due()
        overdue = sweeper.overdue_exists(self.interval)
        woken = wake_lanes(repair=True) if reclaimed or released or overdue else []
        return {"reclaimed": reclaimed, "released": released, "overdue": overdue, "lanes_woken": woken}

    def _confirmed_dead(self, dead: set[int]) -> set[int]:
        """Claimers seen dead now and on the previous check, at least most of an interval ago."""
        now = time.monotonic()
        confirmed = {c for c in dead if c in self._suspects and now - self._suspects[c] >= 0.8 * self.interval}
        self._suspects = {c: self._suspects.get(c, now) for c in dead - confirmed}
        return confirmed

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with self.app.app_context():
                try:
                    done = self.check()
                    if done["reclaimed"]:
                        log.warning("watch: gave back %s rows claimed by processes that stopped", done["reclaimed"])
                    if self._failing:
                        log.warning("watch: checking again")
                        self._failing = False
                except Exception as err:  # noqa: BLE001 - the thread must outlive an outage
                    if not self._failing:
                        log.warning("watch: check failed (%s); retrying every %.0f s", _first_line(err), self.interval)
                        self._failing = True
                finally:
                    try:
                        remove_session()
                    except Exception:  # noqa: BLE001
                        pass


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def start_watch(app: Flask) -> Watch:
    """Start the watch of a long-running process (a worker, the scheduler)."""
    return Watch(app).start()


def start_embedded_watch(app: Flask) -> Watch:
    """The embedded server's watch: first give back what the process before this one left claimed."""
    with app.app_context():
        try:
            recovered = recover_previous_incarnations()
            if recovered:
                log.warning("gave back %s rows the previous run left claimed", recovered)
        finally:
            remove_session()
    return start_watch(app)


def recover_previous_incarnations() -> int:
    """Embedded mode is one process: on SQLite, where claims carry no liveness lock, a row another
    claimer left `sending` was claimed by the process before this one (on PostgreSQL the watch
    finds dead claimers by their lock). Returns how many rows went back."""
    if db.engine.dialect.name == "postgresql":
        return 0
    return sweeper.recover_dead_claims(claimers.previous_incarnations())
