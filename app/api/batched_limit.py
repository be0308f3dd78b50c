"""Fixed-window rate limits counted in process memory and pushed to the shared storage in batches.

Used for the dispatch endpoint (app/api/limits.py), where a storage round trip per request was the
limiter's main cost. Window semantics are the `limits` library's fixed window (a window is the life
of the storage key, started by its first increment), and keys are the ones Flask-Limiter builds, so
processes running either implementation share one count.

Per caller and limit a process keeps the shared count it last saw (`known`) and the hits it counted
since (`pending`). A hit is counted locally while `known + pending` (this hit included) stays at or
below BATCH_FRACTION of the limit and the last push is less than FLUSH_INTERVAL old. Otherwise the
pending hits and this one go to the storage in one `incr(amount=...)`, whose answer (the new shared
count) decides the hit exactly as a plain fixed window would. Limits below MIN_BATCHED_AMOUNT, a
caller's first hit in a process and every hit near the limit are therefore exact. Overshoot bound:
docs/API.md ("Limits").

A storage failure never refuses a hit: the process counts in its own MemoryStorage, warns at most
once per WARN_EVERY_SECONDS and tries the storage again every STORAGE_RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1
BATCH_FRACTION = 0.5
MIN_BATCHED_AMOUNT = 100
STORAGE_RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 60.0
# Redis reports a key's TTL in whole seconds (rounded); a window end learnt from the storage is
# pushed this much later so that it is never early.
EXPIRY_RESOLUTION = 1.0

_state_lock = threading.Lock()


@lru_cache(maxsize=32)
def parse_limits(limit_string: str) -> tuple[RateLimitItem, ...]:
    """The limits in a limit string as Flask-Limiter reads it ("20000/hour", "100 per minute",
    "10/second;20000/hour"), shortest window first; none for an empty string.

    Raises ValueError for a malformed string."""
    if not limit_string or not limit_string.strip():
        return ()
    return tuple(sorted(parse_many(limit_string)))


@dataclass(frozen=True)
class Breach:
    """A refused hit: the limit it exceeded and when that limit's window ends (epoch seconds)."""

    limit: RateLimitItem
    reset_at: float

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends, at least 1."""
        return max(1, math.ceil(self.reset_at - time.time()))


class _Window:
    """One caller's count for one limit, as this process sees it."""

    __slots__ = ("expiry", "known", "pending", "reset_at", "synced_at", "used_at")

    def __init__(self, expiry: int) -> None:
        self.expiry = expiry
        self.known: int | None = None  # shared count after this process's last push; None: not asked yet
        self.pending = 0  # hits counted here since that push
        self.synced_at = 0.0  # monotonic time of that push
        self.reset_at: float | None = None  # epoch seconds by which the storage window has ended
        self.used_at = 0.0


class _ProcessState:
    """What one process keeps. Built again after a fork: storage clients and locks are per process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.windows: dict[str, _Window] = {}
        self.storage: Storage | None = None
        self.fallback: MemoryStorage | None = None
        self.down_until: float | None = None  # monotonic; while set, hits are counted in `fallback`
        self.warned_at: float | None = None
        self.prune_at = time.monotonic() + PRUNE_EVERY_SECONDS


class BatchedFixedWindow:
    """Fixed-window limits per caller over a shared `limits` storage, counted locally while the
    caller is far from the limit (see the module docstring)."""

    def __init__(self, storage_factory: Callable[[], Storage], *, flush_interval: float = FLUSH_INTERVAL,
                 batch_fraction: float = BATCH_FRACTION, min_batched_amount: int = MIN_BATCHED_AMOUNT,
                 retry_seconds: float = STORAGE_RETRY_SECONDS) -> None:
        self._storage_factory = storage_factory
        self.flush_interval = flush_interval
        self.batch_fraction = batch_fraction
        self.min_batched_amount = min_batched_amount
        self.retry_seconds = retry_seconds
        self._state: _ProcessState | None = None

    def hit(self, limits: Sequence[RateLimitItem], *identifiers: str) -> Breach | None:
        """Count one hit against each limit in turn; the first limit it exceeds (later ones are then
        not counted, as in Flask-Limiter), or None. A storage failure does not raise: the hit is then
        judged on this process's own count."""
        state = self._process_state()
        for limit in limits:
            breach = self._hit(state, limit, limit.key_for(*identifiers))
            if breach is not None:
                return breach
        return None

    def flush(self) -> None:
        """Push every pending local count to the storage now (a worker about to exit; tests)."""
        state = self._process_state()
        now, wall = time.monotonic(), time.time()
        with state.lock:
            if state.down_until is not None:
                return
            batches = []
            for key, window in state.windows.items():
                if window.pending and not (window.reset_at is not None and wall >= window.reset_at):
                    batches.append((key, window, window.pending))
                window.pending = 0
                window.synced_at = now
        for done, (key, window, amount) in enumerate(batches):
            try:
                count = self._storage(state).incr(key, window.expiry, amount=amount)
            except Exception as err:  # noqa: BLE001 - any storage failure: keep counting in memory
                self._storage_failed(state, err, now)
                fallback = self._fallback(state)
                for key_left, window_left, amount_left in batches[done:]:
                    fallback.incr(key_left, window_left.expiry, amount=amount_left)
                return
            with state.lock:
                window.known = count

    def _threshold(self, limit: RateLimitItem) -> float:
        """The highest estimate (shared count + local hits) still counted locally; 0: always exact."""
        return limit.amount * self.batch_fraction if limit.amount >= self.min_batched_amount else 0

    def _hit(self, state: _ProcessState, limit: RateLimitItem, key: str) -> Breach | None:
        now, wall = time.monotonic(), time.time()
        with state.lock:
            probing = state.down_until is not None and now >= state.down_until
            in_memory = state.down_until is not None and not probing
            if probing:  # this hit tries the storage again; the others keep counting in memory meanwhile
                state.down_until = now + self.retry_seconds
            if not in_memory:
                window, amount = self._count(state, limit, key, now, wall)
                if not amount:
                    return None
        if in_memory:
            return self._fallback_hit(state, limit, key, 1)
        try:
            storage = self._storage(state)
            count = storage.incr(key, limit.get_expiry(), amount=amount)
        except Exception as err:  # noqa: BLE001 - the storage may be down: count here, never refuse for it
            self._storage_failed(state, err, now)
            return self._fallback_hit(state, limit, key, amount)
        if probing:
            with state.lock:
                state.down_until = None
            log.info("Rate-limit storage reachable again")
        return self._judge(state, storage, window, limit, key, count, amount, wall)

    def _count(self, state: _ProcessState, limit: RateLimitItem, key: str, now: float,
               wall: float) -> tuple[_Window, int]:
        """Count the hit locally (amount 0) or take the amount to push: pending hits plus this one.
        Called with the state's lock held."""
        window = state.windows.get(key)
        if window is None:
            if now >= state.prune_at:  # a new caller is when the table grows
                self._prune(state, now)
            window = state.windows[key] = _Window(limit.get_expiry())
        window.used_at = now
        if window.reset_at is not None and wall >= window.reset_at:
            # The storage window has ended; hits still pending here belonged to it.
            window.known, window.pending, window.reset_at = None, 0, None
        if (window.known is not None and now - window.synced_at < self.flush_interval
                and window.known + window.pending + 1 <= self._threshold(limit)):
            window.pending += 1
            return window, 0
        amount = window.pending + 1
        window.pending = 0
        window.synced_at = now
        return window, amount

    def _judge(self, state: _ProcessState, storage: Storage, window: _Window, limit: RateLimitItem, key: str,
               count: int, amount: int, wall: float) -> Breach | None:
        """Record the shared count a push answered and decide the hit that made it."""
        with state.lock:
            window.known = count
            if count == amount:  # this push started the window
                window.reset_at = wall + limit.get_expiry()
            reset_at = window.reset_at
        # The window's end is needed to answer a refusal and, while counting locally, to drop hits
        # of an ended window: one storage call per window, not per hit.
        if reset_at is None and (count > limit.amount or count + 1 <= self._threshold(limit)):
            try:
                reset_at = storage.get_expiry(key) + EXPIRY_RESOLUTION
            except Exception:  # noqa: BLE001 - the window's whole length is a safe answer
                reset_at = wall + limit.get_expiry()
            else:
                with state.lock:
                    window.reset_at = reset_at
        if count <= limit.amount:
            return None
        return Breach(limit, reset_at)

    def _fallback_hit(self, state: _ProcessState, limit: RateLimitItem, key: str, amount: int) -> Breach | None:
        fallback = self._fallback(state)
        if fallback.incr(key, limit.get_expiry(), amount=amount) <= limit.amount:
            return None
        return Breach(limit, fallback.get_expiry(key))

    def _storage_failed(self, state: _ProcessState, err: Exception, now: float) -> None:
        """Count in memory from now on; hits pending for the storage move to the in-memory count."""
        with state.lock:
            state.down_until = now + self.retry_seconds
            stranded = [(key, w.expiry, w.pending) for key, w in state.windows.items() if w.pending]
            state.windows.clear()  # what they knew of the shared counts is stale once the storage is back
            warn = state.warned_at is None or now - state.warned_at >= WARN_EVERY_SECONDS
            if warn:
                state.warned_at = now
        fallback = self._fallback(state)
        for key, expiry, pending in stranded:
            fallback.incr(key, expiry, amount=pending)
        if warn:
            # The exception's class only: a storage error can quote its URI, password included.
            log.warning("Rate-limit storage unreachable (%s); counting in process memory, retrying every %.0f s",
                        type(err).__name__, self.retry_seconds)

    def _process_state(self) -> _ProcessState:
        state = self._state
        if state is None or state.pid != os.getpid():
            with _state_lock:
                state = self._state
                if state is None or state.pid != os.getpid():
                    state = self._state = _ProcessState()
        return state

    def _storage(self, state: _ProcessState) -> Storage:
        return _created_once(state, "storage", self._storage_factory)

    def _fallback(self, state: _ProcessState) -> MemoryStorage:
        return _created_once(state, "fallback", MemoryStorage)

    def _prune(self, state: _ProcessState, now: float) -> None:
        """Forget callers idle for a whole window (their pending hits belong to an ended window).
        Called with the state's lock held."""
        state.prune_at = now + PRUNE_EVERY_SECONDS
        idle = [key for key, w in state.windows.items() if now - w.used_at > w.expiry]
        for key in idle:
            del state.windows[key]


def _created_once(state: _ProcessState, name: str, factory):
    """state.<name>, made by `factory` on first use in this process (thread-safe)."""
    value = getattr(state, name)
    if value is None:
        with state.lock:
            if getattr(state, name) is None:
                setattr(state, name, factory())
            value = getattr(state, name)
    return value
