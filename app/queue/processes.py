"""The long-running RQ processes (`flask worker`, `flask scheduler`), made to ride out Redis outages.

RQ's worker retries a lost connection only while it waits for a job; a Redis call anywhere else
(after a job, a heartbeat, the scheduler) makes it quit, and RQ's cron scheduler quits on the first
one. Here each runs in a loop: when it stops because Redis went away, the process waits for Redis
(backoff from 1 s to 5 s, logged once when it goes and once when it is back) and starts a new one.
Only SIGTERM / SIGINT, or --burst running dry, end the process. Each process also runs the watch
(app/delivery/watch.py, handed in by the CLI as `start_watch`), which needs only the database.

Timed jobs (`enqueue_at`: delivery and webhook retries) are moved to their queue when due by RQ's
scheduler. It runs as a thread of the `scheduler` process (TimedJobs), not as the child process
RQ forks from every worker with `with_scheduler=True` (a copy of the app per worker: about 40 MiB
PSS each). `flask worker --with-scheduler` brings RQ's child back for installations that run no
`scheduler` process; RQ's per-queue locks keep one scheduler active either way.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from flask import Flask
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler

from app.queue.runtime import runner

log = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# A process finds Redis back at most this long after it returns (a PING costs nothing meanwhile).
_MAX_WAIT_SECONDS = 5.0


class AvisosWorker(SimpleWorker):
    """SimpleWorker whose wait for Redis, while idle, backs off to 5 s rather than RQ's 60 s."""

    max_connection_wait_time = _MAX_WAIT_SECONDS


class _OutageFilter(logging.Filter):
    """RQ logs an error on every retry of a lost connection, and a traceback when a Redis error
    stops its worker: let through the first retry of an outage (run_worker logs the rest once)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_outage = False

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not connect to Redis" in record.getMessage():
            first, self.in_outage = not self.in_outage, True
            return first
        if record.exc_info and isinstance(record.exc_info[1], REDIS_ERRORS):
            return False
        self.in_outage = False
        return True


# Starts a thread beside the process (the watch) and returns something with stop().
StartWatch = Callable[[Flask], Any]


def run_worker(app: Flask, queue_names: Sequence[str], burst: bool, logging_level: str,
               start_watch: StartWatch | None = None, with_scheduler: bool = False) -> None:
    """An RQ SimpleWorker on `queue_names`, restarted after every Redis outage; with `burst`, one
    pass until the queues are empty. With `with_scheduler`, RQ forks its scheduler for timed jobs
    beside it (otherwise the `scheduler` process moves them: TimedJobs)."""
    jobs = runner()
    logging.getLogger("rq.worker").addFilter(_OutageFilter())
    watch = None if burst or start_watch is None else start_watch(app)
    try:
        while True:
            worker = AvisosWorker([jobs.queue(q) for q in queue_names], connection=jobs.redis)
            try:
                worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=logging_level)
            except REDIS_ERRORS:
                pass  # its teardown could not reach Redis either: the outage is what stopped it
            except StopRequested:
                return
            if burst or worker._shutdown_requested_date is not None:
                return
            if not wait_for_redis(jobs.redis, "worker"):
                return
            jobs.wake_lanes(repair=True)  # rows accepted while Redis was away
    finally:
        if watch is not None:
            watch.stop()


def run_scheduler(app: Flask, make_scheduler: Callable[[], object], start_watch: StartWatch | None = None,
                  timed_queues: Sequence[str] = ()) -> None:
    """RQ's cron scheduler (`make_scheduler()` builds one with its jobs), restarted after every
    Redis outage until SIGTERM / SIGINT; beside it, the TimedJobs thread for `timed_queues`."""
    jobs = runner()
    watch = start_watch(app) if start_watch is not None else None
    timed = TimedJobs(jobs.redis, timed_queues).start() if timed_queues else None
    try:
        while True:
            scheduler = make_scheduler()
            try:
                scheduler.start()  # returns when asked to stop
                return
            except REDIS_ERRORS:
                pass
            except StopRequested:
                return
            if not wait_for_redis(jobs.redis, "scheduler"):
                return
    finally:
        if timed is not None:
            timed.stop()
        if watch is not None:
            watch.stop()


class TimedJobs:
    """RQ's scheduler for timed jobs, as a thread: every `interval` seconds it takes (or keeps) RQ's
    per-queue scheduler locks and moves the jobs whose time has come from each queue's
    ScheduledJobRegistry to the queue, as the process RQ forks from a worker does (RQScheduler.work),
    minus the fork and the signal handlers. A Redis error skips that round; the next one retries."""

    def __init__(self, connection, queue_names: Sequence[str], interval: float = 1.0):
        self.scheduler = RQScheduler(list(queue_names), connection=connection, interval=int(max(1, interval)))
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="avisos-timed-jobs", daemon=True)
        self._failing = False

    def start(self) -> TimedJobs:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> None:
        """One round: locks, heartbeat, due jobs to their queues."""
        scheduler = self.scheduler
        if scheduler.should_reacquire_locks:
            scheduler.acquire_locks()
        if scheduler.acquired_locks:
            scheduler.heartbeat()
            scheduler.enqueue_scheduled_jobs()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                    if self._failing:
                        log.warning("timed jobs: Redis answers again")
                    self._failing = False
                except REDIS_ERRORS as err:
                    if not self._failing:
                        log.warning("timed jobs: Redis is not answering (%s); retrying every %.0f s", err, self.interval)
                    self._failing = True
                except Exception:  # noqa: BLE001 - the thread must outlive one bad round
                    log.exception("timed jobs: a round failed")
                self._stop.wait(self.interval)
        finally:
            try:
                self.scheduler.release_locks()
                self.scheduler.register_death()
            except REDIS_ERRORS:
                pass  # the locks expire by themselves


def wait_for_redis(connection, who: str) -> bool:
    """Wait until Redis answers a PING (backoff 1 s doubling to 5 s). False when SIGTERM or
    SIGINT arrived meanwhile (the caller stops)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    started, delay, logged = time.monotonic(), 1.0, False
    try:
        while not stop.is_set():
            try:
                connection.ping()
                break
            except REDIS_ERRORS as err:
                if not logged:
                    log.warning("%s: Redis is not answering (%s); waiting for it, retrying up to every %.0f s",
                                who, err, _MAX_WAIT_SECONDS)
                    logged = True
            stop.wait(delay)
            delay = min(delay * 2, _MAX_WAIT_SECONDS)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop.is_set():
        return False
    log.warning("%s: Redis answers after %.1f s; resuming", who, time.monotonic() - started)
    return True
