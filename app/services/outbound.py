"""Outbound events: what the core tells the outside world after a change is committed.

The core calls `publish` after its transaction commits, with `(event_type, data)` pairs such as
`("notification.sent", {...})`. Subscribers: signed outbound webhooks and the live console feed.
`publish` must be cheap when nobody listens and must never raise: a failure to publish never
fails the operation that caused it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import current_app

log = logging.getLogger(__name__)

EVENT_TYPES = (
    "notification.queued",
    "notification.sent",
    "notification.delivered",
    "notification.read",
    "notification.failed",
    "notification.fallback",
    "reminder.due",
    "customer.synced",
    "sync.failed",
)

# Which endpoints subscribe to which event type, per process; endpoint changes made in this process
# call invalidate(), other processes see them within the TTL.
_SUBSCRIPTIONS_TTL = 10.0
_subscriptions: tuple[float, dict[str, list[uuid.UUID]]] | None = None
_lock = threading.Lock()


def invalidate() -> None:
    """Forget the cached subscriptions (after an endpoint changes, and between tests)."""
    global _subscriptions
    with _lock:
        _subscriptions = None


def subscriptions() -> dict[str, list[uuid.UUID]]:
    """Event type -> ids of the active endpoints subscribed to it (cached briefly)."""
    global _subscriptions
    now = time.monotonic()
    cached = _subscriptions
    if cached is not None and cached[0] > now:
        return cached[1]
    from sqlalchemy import select

    from app.extensions import db
    from app.models import WebhookEndpoint

    with db.engine.connect() as conn:
        rows = conn.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types)
            .where(WebhookEndpoint.active.is_(True), WebhookEndpoint.disabled_at.is_(None))
        ).all()
    table: dict[str, list[uuid.UUID]] = {}
    for endpoint_id, event_types in rows:
        for event_type in event_types or []:
            table.setdefault(event_type, []).append(endpoint_id)
    with _lock:
        _subscriptions = (now + _SUBSCRIPTIONS_TTL, table)
    return table


def notification_data(row, **extra) -> dict:
    """The `data` of every notification.* event, whichever part of Avisos sends it: the same fields
    from a notifications row (ORM row, Core row or row-values dict), plus event-specific extras."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name, None))
    return {"notification_id": str(get("id")), "correlation_id": get("correlation_id"),
            "event_type": get("event_type"), "customer_id": get("customer_ref"), "channel": get("channel"),
            "status": str(get("status") or ""), **extra}


def envelope(event_type: str, data: dict, at: datetime | None = None) -> dict:
    """The JSON body every subscriber receives: {"type", "timestamp", "data"}."""
    from app.models.base import utcnow

    stamp = (at or utcnow()).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"type": event_type, "timestamp": stamp, "data": data}


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
    from app.services import live

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
        from app.services.webhooks.delivery import queue_messages

        queue_messages(rows)
