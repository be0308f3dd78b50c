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
