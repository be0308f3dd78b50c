"""The one place that knows how jobs run: RQ queues, in-process threads, or inline.

- rq:     REDIS_URL is set; jobs go to the queues `notifications`, `sync`, `maintenance`.
- thread: embedded default; jobs run in a small thread pool inside the web process.
- inline: tests; jobs run synchronously right after the caller's commit.
- manual: tests; jobs are only recorded in `pending` (to stage a crash or a batch by hand).

A failure to enqueue is logged, never raised: the database row is the truth and the sweeper
(`retry_failed_notifications`) picks up whatever a lost job left behind.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Callable

from flask import Flask, current_app, has_app_context

from jobs.coalescer import Coalescer

log = logging.getLogger(__name__)

QUEUES = ("notifications", "sync", "maintenance", "webhooks")
JOB_TIMEOUTS = {"notifications": 300, "sync": 300, "maintenance": 900, "webhooks": 600}
LANE_KEY = "avisos:delivery-lane:{}:pending"
LANE_TTL_SECONDS = 120
# SET NX on each lane key in turn, to the id of the job that will serve it (ARGV[i + 1]); returns
# the 1-based index of the first one set, or 0.
ACQUIRE_LANE_LUA = """
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[i + 1], 'NX', 'EX', ARGV[1]) then return i end
end
return 0
"""
# Delete a lane marker only if it still names the job found gone.
CLEAR_LANE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# RQ job states in which a lane's job will still run.
_WAITING_JOB_STATES = ("queued", "scheduled", "deferred", "started")


class JobRunner:
    """Per-app job dispatcher; stored in app.extensions['avisos_jobs']."""

    def __init__(self, app: Flask):
        self.app = app
        self.mode = app.config["JOBS_MODE"]
        self._redis = None
        self._acquire_script = None
        self._clear_lane_script = None
        self._broker_down_since: float | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._lanes_busy: set[int] = set()
        self._delivery_waker: Coalescer | None = None
        self.errors: list[BaseException] = []  # inline mode: failures kept for tests to assert on
        self.pending: list[tuple[Callable, tuple]] = []  # manual mode

    # Connections -----------------------------------------------------------------------------
    @property
    def redis(self):
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(
                self.app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2
            )
        return self._redis

    def queue(self, name: str):
        from rq import Queue

        return Queue(name, connection=self.redis, default_timeout=JOB_TIMEOUTS[name])

    @property
    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="avisos-job")
            return self._executor

    # Enqueueing ------------------------------------------------------------------------------
    def enqueue(self, queue: str, func: Callable, *args: Any, job_id: str | None = None) -> bool:
        """Run `func(*args)` as a job. Returns False when it could not be handed over."""
        try:
            if self.mode == "rq":
                self.queue(queue).enqueue(func, *args, job_id=job_id, failure_ttl=7 * 86400)
                self._broker_up()
            elif self.mode == "thread":
                self.executor.submit(self._run_in_context, func, args)
            elif self.mode == "manual":
                self.pending.append((func, args))
            else:
                self._run_in_context(func, args)
            return True
        except Exception as err:  # noqa: BLE001 - any broker failure leaves the row for the sweeper
            self._broker_down(f"could not enqueue {func.__name__} on {queue}", err)
            return False

    def enqueue_at(self, when: datetime, queue: str, func: Callable, *args: Any, job_id: str | None = None) -> bool:
        """Run a job at `when` (rq: the worker's scheduler; thread: a timer; inline: left to the sweeper).

        RQ keeps whole seconds and runs a job once its second has begun, so `when` is rounded up:
        a retry never runs before its time (a job that does anyway reschedules itself)."""
        when = _next_whole_second(when)
        try:
            if self.mode == "rq":
                self.queue(queue).enqueue_at(when, func, *args, job_id=job_id, failure_ttl=7 * 86400)
                self._broker_up()
            elif self.mode == "thread":
                delay = max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
                timer = threading.Timer(delay, lambda: self.executor.submit(self._run_in_context, func, args))
                timer.daemon = True
                timer.start()
            return True
        except Exception as err:  # noqa: BLE001 - the row is due anyway: the watch or the sweeper wakes it
            self._broker_down(f"could not schedule {func.__name__} on {queue}", err)
            return False

    def request_delivery(self) -> None:
        """Make sure a delivery lane will look for queued rows soon.

        Lanes batch many messages per job. A lane's marker is set while its job waits in the queue;
        a dispatch that finds every marker set needs nothing more: the waiting job will see its
        rows, because the job clears its marker before it reads the table.

        In rq mode the calls of a process are coalesced (jobs/coalescer.py): the lane check runs
        on a background thread, at once when idle and then at most once per
        DELIVERY_WAKE_INTERVAL_SECONDS, always after the latest call (0: in the caller's thread).
        """
        interval = self.app.config.get("DELIVERY_WAKE_INTERVAL_SECONDS", 0)
        if self.mode != "rq" or interval <= 0:
            self.wake_delivery()
            return
        waker = self._delivery_waker
        if waker is None or waker.pid != os.getpid() or not waker.alive():
            with self._lock:
                waker = self._delivery_waker
                if waker is None or waker.pid != os.getpid() or not waker.alive():
                    waker = self._delivery_waker = Coalescer(self._wake_in_context, interval, "avisos-delivery-waker")
        waker.request()

    def _wake_in_context(self) -> None:
        with self.app.app_context():
            self.wake_delivery()

    def wake_delivery(self) -> int | None:
        """Mark a free delivery lane and enqueue its job. Returns the lane, or None when every lane
        is marked (a job is on its way) or the job could not be enqueued."""
        from jobs.delivery import deliver_lane

        lanes = list(range(max(1, self.app.config["DELIVERY_LANES"])))
        random.shuffle(lanes)
        job_ids = [f"deliver-lane-{lane}-{random.getrandbits(48):x}" for lane in lanes]
        found = self._acquire_free_lane(lanes, job_ids)
        if found is None:
            return None
        lane, job_id = found
        if not self.enqueue("notifications", deliver_lane, lane, job_id=job_id):
            self.release_lane(lane)
            return None
        return lane

    def wake_lanes(self, repair: bool = False) -> list[int]:
        """Wake every free delivery lane, at once in this thread (the sweeper, the watch, the CLI).
        With `repair`, first clear the markers whose job is gone: a process that died between
        marking a lane and enqueueing its job, a job lost with Redis's data. Returns the lanes woken."""
        if repair:
            self.clear_stale_lanes()
        woken = []
        for _ in range(max(1, self.app.config["DELIVERY_LANES"])):
            lane = self.wake_delivery()
            if lane is None:
                break
            woken.append(lane)
        return woken

    def clear_stale_lanes(self) -> list[int]:
        """rq mode: delete lane markers naming a job that no longer waits or runs. Returns the lanes."""
        if self.mode != "rq":
            return []
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        cleared = []
        try:
            for lane in range(max(1, self.app.config["DELIVERY_LANES"])):
                key = LANE_KEY.format(lane)
                job_id = self.redis.get(key)
                if job_id is None:
                    continue
                try:
                    state = Job.fetch(job_id.decode(), connection=self.redis).get_status(refresh=False)
                except NoSuchJobError:
                    state = None
                if str(getattr(state, "value", state)) not in _WAITING_JOB_STATES and self._clear_script()(
                        keys=[key], args=[job_id]):
                    cleared.append(lane)
        except Exception as err:  # noqa: BLE001
            self._broker_down("checking the delivery lanes", err)
        if cleared:
            log.warning("delivery lanes %s were marked for jobs that are gone; cleared", cleared)
        return cleared

    def _acquire_free_lane(self, lanes: list[int], job_ids: list[str]) -> tuple[int, str] | None:
        """Mark the first lane whose marker is free; in rq mode one Redis round trip for all lanes."""
        if self.mode == "rq":
            try:
                found = self._lane_script()(keys=[LANE_KEY.format(lane) for lane in lanes],
                                            args=[LANE_TTL_SECONDS, *job_ids])
            except Exception as err:  # noqa: BLE001
                self._broker_down("waking a delivery lane", err)
                return None
            self._broker_up()
            return (lanes[int(found) - 1], job_ids[int(found) - 1]) if found else None
        if self.mode in ("inline", "manual"):
            return lanes[0], job_ids[0]
        with self._lock:
            for lane, job_id in zip(lanes, job_ids, strict=True):
                if lane not in self._lanes_busy:
                    self._lanes_busy.add(lane)
                    return lane, job_id
        return None

    def _lane_script(self):
        if self._acquire_script is None:
            self._acquire_script = self.redis.register_script(ACQUIRE_LANE_LUA)
        return self._acquire_script

    def _clear_script(self):
        if self._clear_lane_script is None:
            self._clear_lane_script = self.redis.register_script(CLEAR_LANE_LUA)
        return self._clear_lane_script

    def release_lane(self, lane: int) -> None:
        if self.mode == "rq":
            try:
                self.redis.delete(LANE_KEY.format(lane))
            except Exception as err:  # noqa: BLE001
                self._broker_down(f"releasing delivery lane {lane}", err)
            return
        with self._lock:
            self._lanes_busy.discard(lane)

    def _broker_down(self, what: str, err: BaseException) -> None:
        """Log a Redis failure once per outage: a busy web process would log one per request."""
        with self._lock:
            first, self._broker_down_since = self._broker_down_since is None, self._broker_down_since or time.monotonic()
        if first:
            log.warning("redis unavailable (%s: %s); accepted rows stay due and are delivered once it answers",
                        what, err)

    def _broker_up(self) -> None:
        if self._broker_down_since is not None:
            with self._lock:
                since, self._broker_down_since = self._broker_down_since, None
            if since is not None:
                log.warning("redis answers again after %.1f s", time.monotonic() - since)

    def _run_in_context(self, func: Callable, args: tuple) -> None:
        with self.app.app_context():
            try:
                func(*args)
            except Exception as err:  # noqa: BLE001 - in-process jobs must not kill the caller
                log.exception("in-process job %s failed", func.__name__)
                self.errors.append(err)

    def ping(self) -> bool:
        if self.mode != "rq":
            return True
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001
            return False

    def shutdown(self) -> None:
        """Carry out a pending delivery wake, finish in-process jobs (a stopping process)."""
        waker, self._delivery_waker = self._delivery_waker, None
        if waker is not None and waker.pid == os.getpid():
            waker.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def _next_whole_second(when: datetime) -> datetime:
    return when if when.microsecond == 0 else when.replace(microsecond=0) + timedelta(seconds=1)


def init_jobs(app: Flask) -> None:
    # Import the job modules (and the channel stack they pull in) now, not in the first request.
    import jobs.delivery  # noqa: F401
    import jobs.maintenance  # noqa: F401
    import jobs.sync  # noqa: F401
    import jobs.webhooks  # noqa: F401

    app.extensions["avisos_jobs"] = JobRunner(app)


def runner() -> JobRunner:
    return current_app.extensions["avisos_jobs"]


def job_entry(func: Callable) -> Callable:
    """Give an RQ job an app context (building the app when run by a bare `rq worker`)
    and a clean database session afterwards."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from app.services.db_health import remove_session

        if has_app_context():
            try:
                return func(*args, **kwargs)
            finally:
                remove_session()
        from app import create_app

        with create_app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                remove_session()

    return wrapper
