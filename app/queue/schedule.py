"""The periodic jobs: registered with RQ's cron by jobs/cron.py (production, exactly one scheduler)
and run by the embedded scheduler's thread without Redis (app/queue/scheduler.py), which uses shorter
periods so retries are not left waiting.

The reminder check runs hourly and does its daily work at or after REMINDER_HOUR in TIMEZONE, at
most once per reminder per local day: RQ reads cron fields in UTC, and an hourly check also catches
up after the scheduler was down at 08:00.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.queue.names import (
    CHECK_MAINTENANCE_REMINDERS,
    PRUNE_AUDIT_LOG,
    REFRESH_ANALYTICS_ROLLUP,
    RETRY_FAILED_NOTIFICATIONS,
    RUN_DUE_SOURCES,
    SWEEP_WEBHOOKS,
)


@dataclass(frozen=True)
class Periodic:
    job: str  # a dotted name from app/queue/names.py
    queue: str
    every: int  # seconds, with RQ's cron
    timeout: int  # seconds
    embedded_every: float | None  # seconds in the embedded scheduler (None: not run there)


SCHEDULE = (
    Periodic(RETRY_FAILED_NOTIFICATIONS, "maintenance", every=15 * 60, timeout=900, embedded_every=30),
    Periodic(CHECK_MAINTENANCE_REMINDERS, "maintenance", every=60 * 60, timeout=900, embedded_every=600),
    Periodic(RUN_DUE_SOURCES, "sync", every=60, timeout=120, embedded_every=30),
    Periodic(REFRESH_ANALYTICS_ROLLUP, "maintenance", every=60 * 60, timeout=900, embedded_every=3600),
    # The embedded sweep (every 30 s) sends the due webhooks too.
    Periodic(SWEEP_WEBHOOKS, "webhooks", every=60, timeout=600, embedded_every=None),
    # Audit entries past AUDIT_RETENTION_DAYS (docs/CONSOLE.md, "Auditoría").
    Periodic(PRUNE_AUDIT_LOG, "maintenance", every=24 * 60 * 60, timeout=900, embedded_every=24 * 60 * 60),
)
