"""Outbound events: what the core tells the outside world after a change is committed.

The core calls `publish` after its transaction commits, with `(event_type, data)` pairs such as
`("notification.sent", {...})`. Subscribers: signed outbound webhooks and the live console feed.
`publish` must be cheap when nobody listens and must never raise: a failure to publish never
fails the operation that caused it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from flask import current_app

from app.integrations import live
from app.integrations.events import envelope
from app.integrations.webhooks.delivery import queue_messages
from app.integrations.webhooks.subscriptions import subscriptions

log = logging.getLogger(__name__)


def publish(events: Iterable[tuple[str, dict]]) -> None:
    """Fan committed events out to webhook endpoints and the live console; never raises."""
    try:
        bodies = [envelope(event_type, data) for event_type, data in events]
        if not bodies:
            return
        _to_live(bodies)
        _to_webhooks(bodies)
    except Exception:
        log.exception("could not publish outbound events")


def _to_live(bodies: list[dict]) -> None:
    if not current_app.config.get("REDIS_URL"):
        return
    live.publish(bodies)


def _to_webhooks(bodies: list[dict]) -> None:
    table = subscriptions()
    if not table:
        return
    rows = []
    for body in bodies:
        payload = None
        for endpoint_id in table.get(body["type"], ()):
            payload = payload or json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
            rows.append({"endpoint_id": endpoint_id, "event_type": body["type"], "payload": payload})
    if rows:
        queue_messages(rows)
