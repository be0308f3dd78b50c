"""Scheduled rows become due: `scheduled` rows whose planned time has come (send_at, a send window's
opening or its backlog slot, a per-customer cap) go back to `queued` in batches, oldest plan first,
and delivery is woken. No job per message: the watch (every WATCH_INTERVAL_SECONDS) and the sweeper
run this step; the partial index on scheduled_at (status 'scheduled') keeps it an index range read
however many rows are scheduled for later. `scheduled_at` stays on the row, for the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from app.dispatch import REPLACED_REMINDER as REPLACED
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

RELEASE_BATCH = 500


def release_due(now: datetime | None = None, batch: int = RELEASE_BATCH) -> int:
    """Turn due scheduled rows into queued ones (each batch one UPDATE and COMMIT); returns how many."""
    now = now or utcnow()
    _cancel_replaced_reminders(now)
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


def _cancel_replaced_reminders(now: datetime) -> None:
    """Backstop of app/dispatch/policy.replace_reminders: a due appointment reminder with a newer
    reminder for the same appointment (correlation id) was replaced; it is cancelled, not sent."""
    newer = aliased(Notification)
    db.session.execute(
        update(Notification)
        .where(Notification.status == S.SCHEDULED, Notification.hold_reason == "reminder",
               Notification.scheduled_at <= now,
               exists().where(newer.correlation_id == Notification.correlation_id, newer.hold_reason == "reminder",
                              newer.created_at > Notification.created_at))
        .values(status=S.CANCELLED, error_code="rescheduled", error_reason=REPLACED, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()


def next_planned(limit: int = 1) -> list[datetime]:
    """The earliest planned times still ahead (the console's and tests' view of the schedule)."""
    found = list(db.session.scalars(select(Notification.scheduled_at).where(Notification.status == S.SCHEDULED)
                                    .order_by(Notification.scheduled_at).limit(limit)))
    db.session.commit()
    return found
