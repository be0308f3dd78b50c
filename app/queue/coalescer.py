"""Many requests for the same idempotent action, carried out at most once per interval.

A busy web process commits a dispatch batch every few milliseconds, and each one asks for delivery
to be woken (a Redis script). Asking once per batch cost the dispatch writer about a twentieth of
its process's CPU and a Redis round trip before it could answer. A `Coalescer` takes the requests
instead and runs the action on its own thread: at once when it is idle, then at most once per
interval for whatever arrived meanwhile. No request is dropped: each is followed by a run that
starts after it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Coalescer:
    """Run `action` after each `request()`, at most once per `interval` seconds, on one thread."""

    def __init__(self, action: Callable[[], None], interval: float, name: str):
        self.pid = os.getpid()
        self.runs = 0
        self._action = action
        self._interval = interval
        self._pending = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for one more run; returns at once."""
        self._pending = True
        self._wake.set()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Carry out a pending request now, then end the thread (a stopping worker)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            # Taken before the run: a request arriving during it gets a run of its own.
            if self._pending:
                self._pending = False
                self._run()
            if self._stop.is_set() or self._stop.wait(self._interval):
                if self._pending:
                    self._pending = False
                    self._run()
                return

    def _run(self) -> None:
        self.runs += 1
        try:
            self._action()
        except Exception:  # the thread must outlive a failed run; the action logs its own causes
            log.exception("%s: run failed", self._thread.name)
