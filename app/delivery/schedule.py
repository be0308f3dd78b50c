"""Scheduled rows become due: `scheduled` rows whose planned time has come (send_at, a send window's
opening or its backlog slot, a per-customer cap) go back to `queued` in batches, oldest plan first,
and delivery is woken. No job per message: the watch (every WATCH_INTERVAL_SECONDS) and the sweeper
run this step; the partial index on scheduled_at (status 'scheduled') keeps it an index range read
however many rows are scheduled for later. `scheduled_at` stays on the row, for the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

RELEASE_BATCH = 500


def release_due(now: datetime | None = None, batch: int = RELEASE_BATCH) -> int:
    """Turn due scheduled rows into queued ones (each batch one UPDATE and COMMIT); returns how many."""
    now = now or utcnow()
    total = 0
    while True:
        due = (select(Notification.id)
               .where(Notification.status == S.SCHEDULED, Notification.scheduled_at <= now)
               .order_by(Notification.scheduled_at).limit(batch)
               .with_for_update(skip_locked=True).cte("due_scheduled").prefix_with("MATERIALIZED"))
        released = list(db.session.scalars(
            update(Notification).where(Notification.id == due.c.id, Notification.status == S.SCHEDULED)
            .values(status=S.QUEUED, next_retry_at=None, updated_at=now).returning(Notification.id)
            .execution_options(synchronize_session=False)))
        db.session.commit()
        total += len(released)
        if len(released) < batch:
            return total


def next_planned(limit: int = 1) -> list[datetime]:
    """The earliest planned times still ahead (the console's and tests' view of the schedule)."""
    found = list(db.session.scalars(select(Notification.scheduled_at).where(Notification.status == S.SCHEDULED)
                                    .order_by(Notification.scheduled_at).limit(limit)))
    db.session.commit()
    return found
