"""The embedded scheduler: in embedded mode (no Redis) a daemon thread does what the RQ cron
scheduler does in production, on a shorter period so retries are not left waiting."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.services.db_health import remove_session
from jobs.watch import Watch

log = logging.getLogger(__name__)
SWEEP_EVERY = 30.0
REMINDERS_EVERY = 600.0
ROLLUP_EVERY = 3600.0


def start_embedded_scheduler(app: Flask) -> threading.Thread:
    """Give back what the process before this one left claimed, then start the scheduler thread
    and the watch (jobs/watch.py)."""
    with app.app_context():
        try:
            recovered = recover_previous_incarnations()
            if recovered:
                log.warning("gave back %s rows the previous run left claimed", recovered)
        finally:
            remove_session()
    Watch(app).start()
    thread = threading.Thread(target=_loop, args=(app,), name="avisos-scheduler", daemon=True)
    thread.start()
    return thread


def recover_previous_incarnations() -> int:
    """Embedded mode is one process: on SQLite, where claims carry no liveness lock, a row another
    claimer left `sending` was claimed by the process before this one (on PostgreSQL the watch
    finds dead claimers by their lock). Returns how many rows went back."""
    from app.extensions import db
    from app.services import claimers, sweeper

    if db.engine.dialect.name == "postgresql":
        return 0
    return sweeper.recover_dead_claims(claimers.previous_incarnations())


def _loop(app: Flask) -> None:
    from app.services import analytics_rollup, reminders, sweeper
    from jobs.pull_sync import run_due_sources

    last_reminders = 0.0
    last_rollup = -ROLLUP_EVERY
    while True:
        with app.app_context():
            try:
                sweeper.sweep()
                if time.monotonic() - last_reminders >= REMINDERS_EVERY:
                    reminders.check_maintenance_reminders(force=False)
                    last_reminders = time.monotonic()
                run_due_sources()  # pull-sync: enqueues the due sources on the in-process runner
                if time.monotonic() - last_rollup >= ROLLUP_EVERY:
                    analytics_rollup.refresh_recent()  # late status changes of the last closed days
                    last_rollup = time.monotonic()
            except Exception:  # noqa: BLE001 - the loop must survive a bad run
                log.exception("embedded scheduler run failed")
            finally:
                remove_session()
        time.sleep(SWEEP_EVERY)
