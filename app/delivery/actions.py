"""Staff actions on the notification log: resend a failed message, cancel one not yet sent (or a
whole event: cancel_event, the API's and the log's "cancel the scheduled event").

Resend re-queues the same row for a fresh cycle of attempts (its earlier attempts stay in the
log, numbered on). A failure after the resend plans a fallback only on a channel the event has not
used yet (app/dispatch: fallback_row), so resending never duplicates a fallback. Both actions are
conditional UPDATEs: a row that changed state meanwhile is left alone and reported as skipped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import SEND_NOTIFICATION, enqueue

log = logging.getLogger(__name__)

RESENDABLE = (S.FAILED,)
CANCELLABLE = (S.QUEUED, S.SCHEDULED, S.RETRYING)
# An event's cancellation also stops messages waiting for their customer; these are gone already.
EVENT_CANCELLABLE = (*CANCELLABLE, S.WAITING_FOR_CUSTOMER)
ALREADY_SENT = (S.SENDING, S.SENT, S.DELIVERED, S.READ)


@dataclass
class ActionResult:
    done: list[uuid.UUID] = field(default_factory=list)
    skipped: list[uuid.UUID] = field(default_factory=list)


def _ids(values: Iterable[str | uuid.UUID]) -> list[uuid.UUID]:
    return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in values]


def resend(ids: Iterable[str | uuid.UUID], actor: str = "") -> ActionResult:
    """Re-queue failed rows for a new cycle of attempts and hand each to a delivery job."""
    result = ActionResult()
    fresh_cycle = 1 + len(current_app.config["RETRY_BACKOFF_SECONDS"])
    now = utcnow()
    for row_id in _ids(ids):
        changed = db.session.execute(
            update(Notification).where(Notification.id == row_id, Notification.status.in_(RESENDABLE))
            .values(status=S.QUEUED, max_attempts=Notification.attempts + fresh_cycle, next_retry_at=None,
                    claim_token=None, claimed_at=None, failed_at=None, error_code="", error_reason="",
                    updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        (result.done if changed else result.skipped).append(row_id)
    db.session.commit()
    for row_id in result.done:
        log.info("notification %s resent by %s", row_id, actor or "staff")
        enqueue("notifications", SEND_NOTIFICATION, str(row_id), job_id=f"resend-{row_id}-{now.timestamp():.0f}")
    return result


def cancel(ids: Iterable[str | uuid.UUID], actor: str = "") -> ActionResult:
    """Cancel rows still waiting to be sent (queued or waiting for a retry)."""
    result = ActionResult()
    now = utcnow()
    for row_id in _ids(ids):
        changed = db.session.execute(
            update(Notification).where(Notification.id == row_id, Notification.status.in_(CANCELLABLE))
            .values(status=S.CANCELLED, next_retry_at=None, error_code="cancelled",
                    error_reason=f"cancelled by {actor or 'staff'}", updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        (result.done if changed else result.skipped).append(row_id)
    db.session.commit()
    for row_id in result.done:
        log.info("notification %s cancelled by %s", row_id, actor or "staff")
    return result


@dataclass
class EventCancellation:
    """What cancelling an event did: rows cancelled now, rows cancelled before (a repeat), rows
    already sent or being sent (the API answers 409 listing them), and rows that had failed."""

    correlation_id: str
    cancelled: list[dict] = field(default_factory=list)
    already_cancelled: list[dict] = field(default_factory=list)
    already_sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.cancelled or self.already_cancelled or self.already_sent or self.failed)


def cancel_event(correlation_id: str, actor: str = "") -> EventCancellation:
    """Cancel every notification of an event not yet sent (its appointment reminder, correlation id
    `<id>:reminder`, included). Idempotent: a repeat cancels nothing more and lists the same rows."""
    ids = [correlation_id, f"{correlation_id}:reminder"]
    now = utcnow()
    db.session.execute(update(DispatchEvent).where(DispatchEvent.correlation_id.in_(ids),
                                                   DispatchEvent.status == "waiting_for_customer")
                       .values(status="cancelled").execution_options(synchronize_session=False))
    cancelled = set(db.session.scalars(
        update(Notification).where(Notification.correlation_id.in_(ids), Notification.status.in_(EVENT_CANCELLABLE))
        .values(status=S.CANCELLED, next_retry_at=None, error_code="cancelled",
                error_reason=f"cancelled by {actor or 'the API'}", updated_at=now)
        .returning(Notification.id).execution_options(synchronize_session=False)))
    rows = db.session.execute(
        select(Notification.id, Notification.correlation_id, Notification.channel, Notification.status,
               Notification.sent_at, Notification.scheduled_at)
        .where(Notification.correlation_id.in_(ids)).order_by(Notification.created_at)).all()
    db.session.commit()
    result = EventCancellation(correlation_id)
    for row in rows:
        item = {"id": str(row.id), "correlation_id": row.correlation_id, "channel": row.channel,
                "status": row.status, "sent_at": row.sent_at.isoformat() if row.sent_at else None}
        if row.id in cancelled:
            result.cancelled.append(item)
        elif row.status == S.CANCELLED:
            result.already_cancelled.append(item)
        elif row.status in ALREADY_SENT:
            result.already_sent.append(item)
        else:
            result.failed.append(item)
    if cancelled:
        log.info("event %s: %s notifications cancelled by %s", correlation_id, len(cancelled), actor or "the API")
    return result


def fallback_chain(row: Notification) -> list[Notification]:
    """The row's fallback chain in order: its ancestors, itself, then the rows planned after it."""
    chain, seen = [row], {row.id}
    parent = row.parent
    while parent is not None and parent.id not in seen:
        chain.insert(0, parent)
        seen.add(parent.id)
        parent = parent.parent
    current = row
    while True:
        child = db.session.scalars(select(Notification).where(Notification.parent_id == current.id)
                                   .order_by(Notification.created_at).limit(1)).first()
        if child is None or child.id in seen:
            return chain
        chain.append(child)
        seen.add(child.id)
        current = child
