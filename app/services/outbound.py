"""Outbound events: what the core tells the outside world after a change is committed.

The core calls `publish` after its transaction commits, with `(event_type, data)` pairs such as
`("notification.sent", {...})`. Subscribers: signed outbound webhooks and the live console feed.
`publish` must be cheap when nobody listens and must never raise: a failure to publish never
fails the operation that caused it.
"""

from __future__ import annotations

import logging
from typing import Iterable

log = logging.getLogger(__name__)

EVENT_TYPES = (
    "notification.queued",
    "notification.sent",
    "notification.delivered",
    "notification.failed",
    "notification.fallback",
    "reminder.due",
    "customer.synced",
    "sync.failed",
)


def publish(events: Iterable[tuple[str, dict]]) -> None:
    """Fan committed events out to webhook endpoints and the live console; never raises."""


def notification_data(row: dict) -> dict:
    """The `data` of a notification.* event, from a notifications row's values."""
    return {"id": str(row["id"]), "channel": row.get("channel"), "status": str(row.get("status") or ""),
            "customer_id": row.get("customer_ref"), "correlation_id": row.get("correlation_id"),
            "event_type": row.get("event_type"), "recipient": row.get("recipient")}


def publish_queued(rows: list[dict]) -> None:
    """notification.queued for each queued row of an accepted event (called after its commit)."""
    events = [("notification.queued", notification_data(r)) for r in rows if str(r.get("status")) == "queued"]
    if events:
        publish(events)
