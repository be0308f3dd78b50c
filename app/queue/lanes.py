"""Delivery lanes: at most one waiting `deliver_lane` job per lane (docs/ARCHITECTURE.md, departure 1).

A lane's marker is set while its job waits in the queue; a dispatch that finds every marker set
needs nothing more: the waiting job will see its rows, because the job clears its marker before it
reads the table. With Redis the markers are keys naming the lane's job (SET NX with an expiry, all
lanes tried in one Lua script, so one round trip); in-process they are a set. A marker whose job is
gone (a process that died between marking and enqueueing, a job lost with Redis's data) is cleared
by `wake_all(repair=True)` (the sweeper, the watch, a worker back from a Redis outage).
"""

from __future__ import annotations

import logging
import os
import random
import threading
from typing import TYPE_CHECKING

from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.queue.coalescer import Coalescer
from app.queue.names import DELIVER_LANE

if TYPE_CHECKING:
    from app.queue.runtime import JobRunner

log = logging.getLogger(__name__)

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


class DeliveryLanes:
    """The lane markers of one job runner, and its coalesced delivery wakes."""

    def __init__(self, runner: JobRunner):
        self.runner = runner
        self._acquire_script = None
        self._clear_script = None
        self._busy: set[int] = set()
        self._waker: Coalescer | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        """Make sure a delivery lane will look for queued rows soon.

        In rq mode the calls of a process are coalesced (app/queue/coalescer.py): the lane check
        runs on a background thread, at once when idle and then at most once per
        DELIVERY_WAKE_INTERVAL_SECONDS, always after the latest call (0: in the caller's thread).
        """
        interval = self.runner.app.config.get("DELIVERY_WAKE_INTERVAL_SECONDS", 0)
        if self.runner.mode != "rq" or interval <= 0:
            self.wake()
            return
        waker = self._waker
        if waker is None or waker.pid != os.getpid() or not waker.alive():
            with self._lock:
                waker = self._waker
                if waker is None or waker.pid != os.getpid() or not waker.alive():
                    waker = self._waker = Coalescer(self._wake_in_context, interval, "avisos-delivery-waker")
        waker.request()

    def _wake_in_context(self) -> None:
        with self.runner.app.app_context():
            self.wake()

    def wake(self) -> int | None:
        """Mark a free delivery lane and enqueue its job. Returns the lane, or None when every lane
        is marked (a job is on its way) or the job could not be enqueued."""
        lanes = list(range(max(1, self.runner.app.config["DELIVERY_LANES"])))
        random.shuffle(lanes)
        job_ids = [f"deliver-lane-{lane}-{random.getrandbits(48):x}" for lane in lanes]
        found = self._acquire_free(lanes, job_ids)
        if found is None:
            return None
        lane, job_id = found
        if not self.runner.enqueue("notifications", DELIVER_LANE, lane, job_id=job_id):
            self.release(lane)
            return None
        return lane

    def wake_all(self, repair: bool = False) -> list[int]:
        """Wake every free delivery lane, at once in this thread (the sweeper, the watch, the CLI).
        With `repair`, first clear the markers whose job is gone. Returns the lanes woken."""
        if repair:
            self.clear_stale()
        woken = []
        for _ in range(max(1, self.runner.app.config["DELIVERY_LANES"])):
            lane = self.wake()
            if lane is None:
                break
            woken.append(lane)
        return woken

    def clear_stale(self) -> list[int]:
        """rq mode: delete lane markers naming a job that no longer waits or runs. Returns the lanes."""
        if self.runner.mode != "rq":
            return []
        cleared = []
        redis = self.runner.redis
        try:
            for lane in range(max(1, self.runner.app.config["DELIVERY_LANES"])):
                key = LANE_KEY.format(lane)
                job_id = redis.get(key)
                if job_id is None:
                    continue
                try:
                    state = Job.fetch(job_id.decode(), connection=redis).get_status(refresh=False)
                except NoSuchJobError:
                    state = None
                if str(getattr(state, "value", state)) not in _WAITING_JOB_STATES and self._script(
                        "_clear_script", CLEAR_LANE_LUA)(keys=[key], args=[job_id]):
                    cleared.append(lane)
        except Exception as err:  # noqa: BLE001
            self.runner.broker_down("checking the delivery lanes", err)
        if cleared:
            log.warning("delivery lanes %s were marked for jobs that are gone; cleared", cleared)
        return cleared

    def _acquire_free(self, lanes: list[int], job_ids: list[str]) -> tuple[int, str] | None:
        """Mark the first lane whose marker is free; in rq mode one Redis round trip for all lanes."""
        mode = self.runner.mode
        if mode == "rq":
            try:
                found = self._script("_acquire_script", ACQUIRE_LANE_LUA)(
                    keys=[LANE_KEY.format(lane) for lane in lanes], args=[LANE_TTL_SECONDS, *job_ids])
            except Exception as err:  # noqa: BLE001
                self.runner.broker_down("waking a delivery lane", err)
                return None
            self.runner.broker_up()
            return (lanes[int(found) - 1], job_ids[int(found) - 1]) if found else None
        if mode in ("inline", "manual"):
            return lanes[0], job_ids[0]
        with self._lock:
            for lane, job_id in zip(lanes, job_ids, strict=True):
                if lane not in self._busy:
                    self._busy.add(lane)
                    return lane, job_id
        return None

    def _script(self, attribute: str, source: str):
        if getattr(self, attribute) is None:
            setattr(self, attribute, self.runner.redis.register_script(source))
        return getattr(self, attribute)

    def release(self, lane: int) -> None:
        if self.runner.mode == "rq":
            try:
                self.runner.redis.delete(LANE_KEY.format(lane))
            except Exception as err:  # noqa: BLE001
                self.runner.broker_down(f"releasing delivery lane {lane}", err)
            return
        with self._lock:
            self._busy.discard(lane)

    def stop(self) -> None:
        """Carry out a pending wake now and end the waker thread (a stopping process)."""
        waker, self._waker = self._waker, None
        if waker is not None and waker.pid == os.getpid():
            waker.stop()
