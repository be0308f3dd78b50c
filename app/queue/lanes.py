"""Delivery lanes: at most one waiting `deliver_lane` job per lane (docs/ARCHITECTURE.md, departure 1).

A lane's marker is set while its job waits in the queue; a dispatch that finds every marker set
needs nothing more: the waiting job will see its rows, because the job clears its marker before it
reads the table. With Redis the markers are keys (SET NX with an expiry, all lanes tried in one Lua
script, so one round trip); in-process they are a set.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from typing import TYPE_CHECKING

from app.queue.coalescer import Coalescer
from app.queue.names import DELIVER_LANE

if TYPE_CHECKING:
    from app.queue.runtime import JobRunner

log = logging.getLogger(__name__)

LANE_KEY = "avisos:delivery-lane:{}:pending"
LANE_TTL_SECONDS = 120
# SET NX on each lane key in turn; returns the 1-based index of the first one set, or 0.
ACQUIRE_LANE_LUA = """
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, '1', 'NX', 'EX', ARGV[1]) then return i end
end
return 0
"""


class DeliveryLanes:
    """The lane markers of one job runner, and its coalesced delivery wakes."""

    def __init__(self, runner: JobRunner):
        self.runner = runner
        self._acquire_script = None
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

    def wake(self) -> None:
        """Mark a free delivery lane and enqueue its job (nothing when every lane is marked)."""
        lanes = list(range(max(1, self.runner.app.config["DELIVERY_LANES"])))
        random.shuffle(lanes)
        lane = self._acquire_free(lanes)
        if lane is None:
            return
        job_id = f"deliver-lane-{lane}-{random.getrandbits(48):x}"
        if not self.runner.enqueue("notifications", DELIVER_LANE, lane, job_id=job_id):
            self.release(lane)

    def _acquire_free(self, lanes: list[int]) -> int | None:
        """Mark the first lane whose marker is free; in rq mode one Redis round trip for all lanes."""
        mode = self.runner.mode
        if mode == "rq":
            try:
                found = self._lane_script()(keys=[LANE_KEY.format(lane) for lane in lanes], args=[LANE_TTL_SECONDS])
            except Exception as err:  # noqa: BLE001
                log.warning("redis unavailable for delivery lanes: %s", err)
                return None
            return lanes[int(found) - 1] if found else None
        if mode in ("inline", "manual"):
            return lanes[0]
        with self._lock:
            for lane in lanes:
                if lane not in self._busy:
                    self._busy.add(lane)
                    return lane
        return None

    def _lane_script(self):
        if self._acquire_script is None:
            self._acquire_script = self.runner.redis.register_script(ACQUIRE_LANE_LUA)
        return self._acquire_script

    def release(self, lane: int) -> None:
        if self.runner.mode == "rq":
            try:
                self.runner.redis.delete(LANE_KEY.format(lane))
            except Exception as err:  # noqa: BLE001
                log.warning("could not release delivery lane %s: %s", lane, err)
            return
        with self._lock:
            self._busy.discard(lane)

    def stop(self) -> None:
        """Carry out a pending wake now and end the waker thread (a stopping process)."""
        waker, self._waker = self._waker, None
        if waker is not None and waker.pid == os.getpid():
            waker.stop()
