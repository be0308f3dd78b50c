"""Staff actions on maintenance reminders: mark completed, cancel, notify now."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from sqlalchemy import select

from app.dispatch import accept_event
from app.errors import ApiError
from app.extensions import db
from app.models import MaintenanceReminder
from app.models.base import utcnow
from app.models.enums import ReminderStatus
from app.services.reminders import SYSTEM_CALLER, local_today, reminder_payload

log = logging.getLogger(__name__)

CLOSED = (ReminderStatus.COMPLETED, ReminderStatus.CANCELLED)


def _load(ids: Iterable[uuid.UUID]) -> list[MaintenanceReminder]:
    wanted = list(ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(MaintenanceReminder).where(MaintenanceReminder.id.in_(wanted))))


def complete_reminders(ids: Iterable[uuid.UUID]) -> int:
    """Mark reminders completed (already completed ones are left as they are); returns how many changed."""
    changed = 0
    for reminder in _load(ids):
        if reminder.status != ReminderStatus.COMPLETED:
            reminder.status = ReminderStatus.COMPLETED
            reminder.completed_at = utcnow()
            changed += 1
    db.session.commit()
    return changed


def cancel_reminders(ids: Iterable[uuid.UUID]) -> int:
    """Cancel open reminders (completed or cancelled ones stay); returns how many changed."""
    changed = 0
    for reminder in _load(ids):
        if reminder.status not in CLOSED:
            reminder.status = ReminderStatus.CANCELLED
            changed += 1
    db.session.commit()
    return changed


def notify_now(reminder_id: uuid.UUID) -> tuple[bool, str]:
    """Dispatch the reminder's event now, whatever its due date. Returns (queued, detail).
    Repeated clicks within the same minute are one event (idempotency key per minute)."""
    reminder = db.session.get(MaintenanceReminder, reminder_id)
    if reminder is None:
        return False, "not_found"
    if reminder.status in CLOSED:
        return False, "closed"
    today, _ = local_today()
    payload = reminder_payload(reminder, today)
    payload["correlation_id"] = f"reminder-{reminder.id}-manual-{utcnow():%Y%m%dT%H%M}"
    try:
        _, body = accept_event(payload, api_key_id=SYSTEM_CALLER, idempotency_key=payload["correlation_id"])
    except ApiError as err:
        db.session.rollback()
        log.warning("reminder %s could not be dispatched: %s %s", reminder_id, err.code, err.fields)
        return False, err.code
    reminder = db.session.get(MaintenanceReminder, reminder_id)
    reminder.last_notified_at = utcnow()
    queued = body.get("notifications_queued", 0)
    if queued:
        reminder.status = ReminderStatus.NOTIFIED
        reminder.notified_count += 1
    db.session.commit()
    return bool(queued), "queued" if queued else "no_channel"
