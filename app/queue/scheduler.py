"""The embedded scheduler: in embedded mode (no Redis) a daemon thread runs the periodic jobs of
app/queue/schedule.py, as the RQ cron scheduler does in production, on their shorter embedded periods."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from app.db_health import remove_session
from app.queue.runtime import resolve_job
from app.queue.schedule import SCHEDULE

log = logging.getLogger(__name__)
TICK = min(p.embedded_every for p in SCHEDULE if p.embedded_every)


def start_embedded_scheduler(app: Flask) -> threading.Thread:
    thread = threading.Thread(target=_loop, args=(app,), name="avisos-scheduler", daemon=True)
    thread.start()
    return thread


def _loop(app: Flask) -> None:
    periodic = [p for p in SCHEDULE if p.embedded_every]
    last_run = {p.job: float("-inf") for p in periodic}
    while True:
        with app.app_context():
            try:
                for entry in periodic:
                    if time.monotonic() - last_run[entry.job] >= entry.embedded_every:
                        resolve_job(entry.job)()
                        last_run[entry.job] = time.monotonic()
            except Exception:  # noqa: BLE001 - the loop must survive a bad run
                log.exception("embedded scheduler run failed")
            finally:
                remove_session()
        time.sleep(TICK)
