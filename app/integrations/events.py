"""The outbound events Avisos emits and the shape every subscriber receives."""

from __future__ import annotations

from datetime import datetime

from app.models.base import utcnow

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
    "message.received",
)


def notification_data(row, **extra) -> dict:
    """The `data` of every notification.* event, whichever part of Avisos sends it: the same fields
    from a notifications row (ORM row, Core row or row-values dict), plus event-specific extras."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name, None))
    return {"notification_id": str(get("id")), "correlation_id": get("correlation_id"),
            "event_type": get("event_type"), "customer_id": get("customer_ref"), "channel": get("channel"),
            "status": str(get("status") or ""), **extra}


def envelope(event_type: str, data: dict, at: datetime | None = None) -> dict:
    """The JSON body every subscriber receives: {"type", "timestamp", "data"}."""
    stamp = (at or utcnow()).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"type": event_type, "timestamp": stamp, "data": data}
