"""A customer's notification history, newest first, paginated in SQL (no COUNT over the table)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Notification

PAGE_SIZE = 20


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    created_at: datetime
    channel: str | None
    status: str
    event_type: str
    subject: str
    recipient: str
    attempts: int
    error_code: str
    error_reason: str
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


COLUMNS = (
    Notification.id, Notification.created_at, Notification.channel, Notification.status,
    Notification.event_type, Notification.subject, Notification.recipient, Notification.attempts,
    Notification.error_code, Notification.error_reason, Notification.sent_at, Notification.delivered_at,
    Notification.read_at,
)  # fmt: skip


def customer_timeline(customer_id: uuid.UUID, page: int = 1, per_page: int = PAGE_SIZE) -> TimelinePage:
    """One page of the customer's notifications; reads one extra row to know if another page exists."""
    page = max(1, page)
    rows = db.session.execute(
        select(*COLUMNS)
        .where(Notification.customer_id == customer_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    entries = [TimelineEntry(*row) for row in rows[:per_page]]
    return TimelinePage(entries=entries, page=page, has_next=len(rows) > per_page)
