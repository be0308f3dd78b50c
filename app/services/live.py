"""The live console feed: events published on a Redis pub/sub channel, read by every web process
that serves /admin/stream. Without Redis (embedded mode) there is no feed and pages simply don't
live-update; a failure to publish is logged and swallowed."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

from flask import current_app

log = logging.getLogger(__name__)

CHANNEL = "avisos:live"
_clients: dict[str, object] = {}
_lock = threading.Lock()


def _client(url: str):
    with _lock:
        client = _clients.get(url)
        if client is None:
            from redis import Redis

            client = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            _clients[url] = client
        return client


def enabled() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def publish(bodies: list[dict]) -> int:
    """PUBLISH each event body; returns how many were handed to Redis (0 when absent or down)."""
    url = current_app.config.get("REDIS_URL")
    if not url or not bodies:
        return 0
    try:
        pipe = _client(url).pipeline(transaction=False)
        for body in bodies:
            pipe.publish(CHANNEL, json.dumps(body, separators=(",", ":"), default=str))
        pipe.execute()
        return len(bodies)
    except Exception as err:  # noqa: BLE001 - the live feed is best effort
        log.warning("live feed publish failed: %s", err)
        return 0


def subscribe(poll_seconds: float = 15.0) -> Iterator[str | None]:
    """Yield None once subscribed, then each published event (JSON text) as it arrives, or None
    after `poll_seconds` of quiet.

    Raises redis errors on connect; the caller decides what a dead feed means to its client.
    """
    from redis import Redis

    client = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2,
                            socket_timeout=poll_seconds + 5, health_check_interval=30)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
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
