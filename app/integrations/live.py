"""The live console feed: events published on a Redis pub/sub channel, read by every web process
that serves /admin/stream. Without Redis (embedded mode) there is no feed and pages simply don't
live-update; a failure to publish is logged and swallowed.

Events are published only while the channel has subscribers. Each process remembers whether it
had any: every PUBLISH reply (its receiver count) refreshes that answer, and while the answer is
"nobody" one PUBSUB NUMSUB per LIVE_LISTENER_CHECK_SECONDS (default 1 s, 0 = every event) asks
again. A console served by another process therefore sees events at most about one interval after
it connects; one served by this process at once (subscribe() tells the cache).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from time import monotonic

from flask import current_app
from redis import Redis

log = logging.getLogger(__name__)

CHANNEL = "avisos:live"  # suffixed with the Redis database number: see channel_for()
DEFAULT_LISTENER_CHECK_SECONDS = 1.0
_clients: dict[str, object] = {}
_lock = threading.Lock()


@dataclass
class _Listeners:
    """What this process last learnt about the channel's subscribers on one Redis."""

    present: bool = False
    checked_at: float = float("-inf")  # when `present` was last asked for (monotonic seconds)
    generation: int = 0  # bumped when this process subscribes: older answers no longer count
    error_logged_at: float = float("-inf")


_listeners: dict[str, _Listeners] = {}
_listeners_lock = threading.Lock()


def _client(url: str):
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            _clients[url] = client
        return client


def channel_for(url: str) -> str:
    """The pub/sub channel for one REDIS_URL. Redis pub/sub ignores the database number, so two
    installations (or test runs) sharing one Redis on different databases would see each other's
    events; the database number in the name keeps them apart."""
    return f"{CHANNEL}:{_database_of(url)}"


@functools.lru_cache(maxsize=8)
def _database_of(url: str) -> int:
    return int(Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0))


def enabled() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def publish(bodies: list[dict]) -> int:
    """PUBLISH each event body while anyone listens; returns how many were handed to Redis (0 when
    absent, down or nobody listens)."""
    url = current_app.config.get("REDIS_URL")
    if not url or not bodies:
        return 0
    interval = max(0.0, float(current_app.config.get("LIVE_LISTENER_CHECK_SECONDS", DEFAULT_LISTENER_CHECK_SECONDS)))
    present, ask, generation = _plan(url, interval)
    if not present and not ask:
        return 0
    try:
        client = _client(url)
        if not present:
            [(_, count)] = client.pubsub_numsub(channel_for(url))
            _remember(url, generation, count > 0)
            if not count:
                return 0
        pipe = client.pipeline(transaction=False)
        for body in bodies:
            pipe.publish(channel_for(url), json.dumps(body, separators=(",", ":"), default=str))
        receivers = pipe.execute()
        _remember(url, generation, receivers[-1] > 0)
        return len(bodies)
    except Exception as err:  # noqa: BLE001 - the live feed is best effort
        _remember(url, generation, False)
        if _should_log_error(url, interval):
            log.warning("live feed publish failed: %s", err)
        return 0


def _plan(url: str, interval: float) -> tuple[bool, bool, int]:
    """(listeners known present, ask Redis now, generation). While nobody listens only one caller
    per interval asks; the others keep the previous answer meanwhile."""
    with _listeners_lock:
        state = _listeners.setdefault(url, _Listeners())
        if state.present:
            return True, False, state.generation
        now = monotonic()
        if interval > 0 and now - state.checked_at < interval:
            return False, False, state.generation
        state.checked_at = now
        return False, True, state.generation


def _remember(url: str, generation: int, present: bool) -> None:
    with _listeners_lock:
        state = _listeners.setdefault(url, _Listeners())
        if state.generation != generation:
            return  # this process subscribed since the question was asked: that answer is stale
        state.present = present
        state.checked_at = monotonic()


def _should_log_error(url: str, interval: float) -> bool:
    """At most one failure logged per interval, however many events fail meanwhile."""
    with _listeners_lock:
        state = _listeners.setdefault(url, _Listeners())
        now = monotonic()
        if interval > 0 and now - state.error_logged_at < interval:
            return False
        state.error_logged_at = now
        return True


def _subscribed_here(url: str) -> None:
    with _listeners_lock:
        state = _listeners.setdefault(url, _Listeners())
        state.present = True
        state.generation += 1


def forget_listeners() -> None:
    """Drop what this process knows about subscribers (tests)."""
    with _listeners_lock:
        _listeners.clear()


def subscribe(poll_seconds: float = 15.0) -> Iterator[str | None]:
    """Yield None once subscribed, then each published event (JSON text) as it arrives, or None
    after `poll_seconds` of quiet.

    Raises redis errors on connect; the caller decides what a dead feed means to its client.
    """
    url = current_app.config["REDIS_URL"]
    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=poll_seconds + 5, health_check_interval=30)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel_for(url))
    _subscribed_here(url)  # this process's publishers need not wait for their next check
    try:
        yield None  # subscribed: the caller may start answering
        while True:
            message = pubsub.get_message(timeout=poll_seconds)
            if message is None:
                yield None
            elif message.get("type") == "message":
                data = message["data"]
                yield data.decode() if isinstance(data, bytes) else data
    finally:
        pubsub.close()
        client.close()
