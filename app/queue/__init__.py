"""The one place jobs are enqueued: RQ queues when REDIS_URL is set, a thread pool or inline without.
Jobs are named by their dotted path in jobs/ (names.py); app/ never imports jobs/.

- enqueue / enqueue_at: hand a job over (never raises: the database row is the truth, the sweeper heals).
- request_delivery:     wake a delivery lane, coalesced per process (lanes.py, coalescer.py);
                        wake_lanes: every free lane at once, stale markers repaired.
- SCHEDULE:             the periodic jobs (RQ cron in production, start_embedded_scheduler without Redis).
- run_worker / run_scheduler: the `flask worker` and `flask scheduler` processes, riding out Redis
                        outages (processes.py).
- queue_status:         depths and workers for the console.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from app.queue.names import (
    CHECK_MAINTENANCE_REMINDERS,
    DELIVER_LANE,
    DELIVER_WEBHOOK,
    DELIVER_WEBHOOK_BATCH,
    JOB_NAMES,
    JOB_TIMEOUTS,
    PRUNE_AUDIT_LOG,
    QUEUES,
    REFRESH_ANALYTICS_ROLLUP,
    RETRY_FAILED_NOTIFICATIONS,
    RUN_DUE_SOURCES,
    RUN_SYNC_SOURCE,
    SEND_NOTIFICATION,
    SWEEP_WEBHOOKS,
    SYNC_CUSTOMERS,
    SYNC_VEHICLES,
)
from app.queue.processes import run_scheduler, run_worker
from app.queue.runtime import Job, JobRunner, init_queue, resolve_job, runner
from app.queue.schedule import SCHEDULE, Periodic
from app.queue.scheduler import start_embedded_scheduler
from app.queue.status import queue_status


def enqueue(queue: str, job: Job, *args: Any, job_id: str | None = None) -> bool:
    """Run `job(*args)` on `queue` (after the caller's commit). False when it could not be handed over."""
    return runner().enqueue(queue, job, *args, job_id=job_id)


def enqueue_at(when: datetime, queue: str, job: Job, *args: Any, job_id: str | None = None) -> bool:
    """Run `job(*args)` at `when` (without Redis: a timer, or left to the sweeper inline)."""
    return runner().enqueue_at(when, queue, job, *args, job_id=job_id)


def request_delivery() -> None:
    """Make sure a delivery lane will look for queued rows soon."""
    runner().request_delivery()


def wake_lanes(repair: bool = False) -> list[int]:
    """Wake every free delivery lane now, in this thread; with `repair`, first clear the lane
    markers whose job is gone. Returns the lanes woken."""
    return runner().wake_lanes(repair)


_COUNTERS_RETRY_SECONDS = 30.0
_counters_down_until = 0.0


def add_to_counters(increments: dict[str, int], expire_at: datetime) -> dict[str, int] | None:
    """Atomically add to shared counters (Redis INCRBY, one pipelined round trip, keys expiring at
    `expire_at`); returns the new totals, or None without Redis (JOBS_MODE other than rq) or when
    Redis does not answer: the caller counts another way."""
    global _counters_down_until
    jobs = runner()
    if jobs.mode != "rq" or not increments or time.monotonic() < _counters_down_until:
        return None
    try:
        pipe = jobs.redis.pipeline(transaction=False)
        for key, amount in increments.items():
            pipe.incrby(f"avisos:counter:{key}", amount)
            pipe.expireat(f"avisos:counter:{key}", int(expire_at.timestamp()))
        answers = pipe.execute()
    except Exception:  # noqa: BLE001 - a counter is never worth failing a dispatch for
        _counters_down_until = time.monotonic() + _COUNTERS_RETRY_SECONDS  # no wait per batch meanwhile
        return None
    return {key: int(total) for key, total in zip(increments, answers[::2])}


def release_lane(lane: int) -> None:
    """Clear a lane's marker (its job does so before it reads the table)."""
    runner().release_lane(lane)


__all__ = [
    "CHECK_MAINTENANCE_REMINDERS", "DELIVER_LANE", "DELIVER_WEBHOOK", "DELIVER_WEBHOOK_BATCH", "JOB_NAMES",
    "JOB_TIMEOUTS", "PRUNE_AUDIT_LOG", "QUEUES", "REFRESH_ANALYTICS_ROLLUP", "RETRY_FAILED_NOTIFICATIONS", "RUN_DUE_SOURCES",
    "RUN_SYNC_SOURCE", "SCHEDULE", "SEND_NOTIFICATION", "SWEEP_WEBHOOKS", "SYNC_CUSTOMERS", "SYNC_VEHICLES",
    "add_to_counters", "enqueue", "enqueue_at", "init_queue", "Job", "JobRunner", "Periodic", "queue_status", "release_lane",
    "request_delivery", "resolve_job", "run_scheduler", "run_worker", "runner", "start_embedded_scheduler",
    "wake_lanes",
]
