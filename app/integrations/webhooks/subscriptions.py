"""Which active endpoints subscribe to which event type, cached per process for a few seconds.

Endpoint changes made in this process call invalidate(); other processes see them within the TTL.
"""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import WebhookEndpoint

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
