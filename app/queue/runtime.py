"""The one place that knows how jobs run: RQ queues, in-process threads, or inline.

- rq:     REDIS_URL is set; jobs go to the queues `notifications`, `sync`, `maintenance`, `webhooks`.
- thread: embedded default; jobs run in a small thread pool inside the web process.
- inline: tests; jobs run synchronously right after the caller's commit.
- manual: tests; jobs are only recorded in `pending` (to stage a crash or a batch by hand).

Jobs are named by their dotted path in jobs/ (app/queue/names.py), as RQ stores them: an RQ worker
imports the function when it runs the job, and so does this runner in the in-process modes. So
app/ never imports jobs/.

A failure to enqueue is logged, never raised: the database row is the truth and the sweeper
(`retry_failed_notifications`) picks up whatever a lost job left behind.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Callable

from flask import Flask, current_app
from redis import Redis
from rq import Queue

from app.queue.lanes import DeliveryLanes
from app.queue.names import JOB_NAMES, JOB_TIMEOUTS

log = logging.getLogger(__name__)

# A job: its dotted name in jobs/ (what app/ passes), or a function (tests hold the job threads).
Job = str | Callable[..., Any]


def resolve_job(job: Job) -> Callable[..., Any]:
    """The function a job name stands for (imported on first use, as an RQ worker does)."""
    if callable(job):
        return job
    module, _, name = job.rpartition(".")
    return getattr(importlib.import_module(module), name)


def job_label(job: Job) -> str:
    return job if isinstance(job, str) else getattr(job, "__name__", repr(job))


class JobRunner:
    """Per-app job dispatcher; stored in app.extensions['avisos_jobs']."""

    def __init__(self, app: Flask):
        self.app = app
        self.mode = app.config["JOBS_MODE"]
        self._redis = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.lanes = DeliveryLanes(self)
        self._broker_down_since: float | None = None
        self.errors: list[BaseException] = []  # inline mode: failures kept for tests to assert on
        self.pending: list[tuple[Job, tuple]] = []  # manual mode

    # Connections -----------------------------------------------------------------------------
    @property
    def redis(self) -> Redis:
        if self._redis is None:
            self._redis = Redis.from_url(
                self.app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2
            )
        return self._redis

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis, default_timeout=JOB_TIMEOUTS[name])

    @property
    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="avisos-job")
            return self._executor

    # Enqueueing ------------------------------------------------------------------------------
    def enqueue(self, queue: str, job: Job, *args: Any, job_id: str | None = None) -> bool:
        """Run `job(*args)` as a job. Returns False when it could not be handed over."""
        try:
            if self.mode == "rq":
                self.queue(queue).enqueue(job, *args, job_id=job_id, failure_ttl=7 * 86400)
                self.broker_up()
            elif self.mode == "thread":
                self.executor.submit(self._run_in_context, job, args)
            elif self.mode == "manual":
                self.pending.append((job, args))
            else:
                self._run_in_context(job, args)
            return True
        except Exception as err:  # noqa: BLE001 - any broker failure leaves the row for the sweeper
            self.broker_down(f"could not enqueue {job_label(job)} on {queue}", err)
            return False

    def enqueue_at(self, when: datetime, queue: str, job: Job, *args: Any, job_id: str | None = None) -> bool:
        """Run a job at `when` (rq: the worker's scheduler; thread: a timer; inline: left to the sweeper).

        RQ keeps whole seconds and runs a job once its second has begun, so `when` is rounded up:
        a retry never runs before its time (a job that does anyway reschedules itself)."""
        when = _next_whole_second(when)
        try:
            if self.mode == "rq":
                self.queue(queue).enqueue_at(when, job, *args, job_id=job_id, failure_ttl=7 * 86400)
                self.broker_up()
            elif self.mode == "thread":
                delay = max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
                timer = threading.Timer(delay, lambda: self.executor.submit(self._run_in_context, job, args))
                timer.daemon = True
                timer.start()
            return True
        except Exception as err:  # noqa: BLE001 - the row is due anyway: the watch or the sweeper wakes it
            self.broker_down(f"could not schedule {job_label(job)} on {queue}", err)
            return False

    def request_delivery(self) -> None:
        """Make sure a delivery lane will look for queued rows soon (app/queue/lanes.py)."""
        self.lanes.request()

    def wake_delivery(self) -> int | None:
        """Mark a free delivery lane and enqueue its job now. Returns the lane, or None when every
        lane is marked (a job is on its way) or the job could not be enqueued."""
        return self.lanes.wake()

    def wake_lanes(self, repair: bool = False) -> list[int]:
        """Wake every free delivery lane at once; with `repair`, first clear the markers whose job
        is gone (app/queue/lanes.py). Returns the lanes woken."""
        return self.lanes.wake_all(repair)

    def clear_stale_lanes(self) -> list[int]:
        return self.lanes.clear_stale()

    def release_lane(self, lane: int) -> None:
        self.lanes.release(lane)

    def broker_down(self, what: str, err: BaseException) -> None:
        """Log a Redis failure once per outage: a busy web process would log one per request."""
        with self._lock:
            first, self._broker_down_since = self._broker_down_since is None, self._broker_down_since or time.monotonic()
        if first:
            log.warning("redis unavailable (%s: %s); accepted rows stay due and are delivered once it answers",
                        what, err)

    def broker_up(self) -> None:
        if self._broker_down_since is not None:
            with self._lock:
                since, self._broker_down_since = self._broker_down_since, None
            if since is not None:
                log.warning("redis answers again after %.1f s", time.monotonic() - since)

    def _run_in_context(self, job: Job, args: tuple) -> None:
        with self.app.app_context():
            try:
                resolve_job(job)(*args)
            except Exception as err:  # noqa: BLE001 - in-process jobs must not kill the caller
                log.exception("in-process job %s failed", job_label(job))
                self.errors.append(err)

    def preload(self) -> None:
        """Import every job module (and the channel stack they pull in) now, not in the first job."""
        for name in JOB_NAMES:
            resolve_job(name)

    def ping(self) -> bool:
        if self.mode != "rq":
            return True
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001
            return False

    def shutdown(self) -> None:
        """Carry out a pending delivery wake, finish in-process jobs (a stopping process)."""
        self.lanes.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def _next_whole_second(when: datetime) -> datetime:
    return when if when.microsecond == 0 else when.replace(microsecond=0) + timedelta(seconds=1)


def init_queue(app: Flask) -> None:
    """Give the app its job runner. In-process modes run jobs here, so their modules load now."""
    runner = app.extensions["avisos_jobs"] = JobRunner(app)
    if runner.mode != "rq":
        runner.preload()


def runner() -> JobRunner:
    return current_app.extensions["avisos_jobs"]
