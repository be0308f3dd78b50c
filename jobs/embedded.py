"""The embedded scheduler: in embedded mode (no Redis) a daemon thread does what the RQ cron
scheduler does in production, on a shorter period so retries are not left waiting."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)
SWEEP_EVERY = 30.0
REMINDERS_EVERY = 600.0
ROLLUP_EVERY = 3600.0


def start_embedded_scheduler(app: Flask) -> threading.Thread:
    thread = threading.Thread(target=_loop, args=(app,), name="avisos-scheduler", daemon=True)
    thread.start()
    return thread


def _loop(app: Flask) -> None:
    from app.extensions import db
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
                db.session.remove()
        time.sleep(SWEEP_EVERY)
