"""The sweeper: the database row is the truth, so anything a lost job or a dead worker left
behind is found here and put back on its way."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from app.delivery.record import add_fallback
from app.dispatch import expire_waiting_events, plan_late_customers
from app.extensions import db
from app.integrations import deliver_due_webhooks
from app.models import DeliveryAttempt, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import request_delivery
from app.sync import requeue_lost_tasks

log = logging.getLogger(__name__)


def recover_stuck_sending() -> int:
    """Rows claimed by a worker that died mid-send go back to `retrying`, due now (at-least-once).
    Rows whose attempts are exhausted become failed (and fall back)."""
    config = current_app.config
    cutoff = utcnow() - timedelta(seconds=config["SENDING_TIMEOUT_SECONDS"])
    stuck = db.session.scalars(
        select(Notification).where(Notification.status == S.SENDING, Notification.claimed_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    now = utcnow()
    exhausted: list[Notification] = []
    for row in stuck:
        db.session.add(DeliveryAttempt(
            notification_id=row.id, number=row.attempts, channel=row.channel or "", outcome="transient",
            error_code="worker_lost", error_message="The worker stopped before recording the outcome.",
            started_at=row.claimed_at or now,
        ))
        row.claim_token, row.error_code = None, "worker_lost"
        row.error_reason = "Recovered by the sweeper after the worker stopped mid-send."
        if row.attempts >= row.max_attempts:
            row.status, row.failed_at = S.FAILED, now
            exhausted.append(row)
        else:
            row.status, row.next_retry_at = S.RETRYING, now
    db.session.flush()
    for row in exhausted:
        add_fallback(row.id)
    db.session.commit()
    return len(stuck)


def count_due() -> dict[str, int]:
    """Rows a delivery lane would claim now: queued (any age) and retrying whose time has come."""
    now = utcnow()
    stale_cutoff = now - timedelta(seconds=current_app.config["QUEUED_STALE_SECONDS"])
    due_retries = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == S.RETRYING, Notification.next_retry_at <= now)) or 0
    stale_queued = db.session.scalar(select(func.count()).select_from(Notification).where(
        and_(Notification.status == S.QUEUED, Notification.created_at < stale_cutoff))) or 0
    queued = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == S.QUEUED)) or 0
    return {"due_retries": due_retries, "stale_queued": stale_queued, "queued": queued}


def sweep() -> dict[str, int]:
    """retry_failed_notifications: recover stuck rows, plan or expire waiting events, re-enqueue lost
    sync tasks, and wake the delivery lanes."""
    recovered = recover_stuck_sending()
    planned_late = plan_late_customers()
    expired = expire_waiting_events()
    requeued_syncs = requeue_lost_tasks(timedelta(seconds=current_app.config["QUEUED_STALE_SECONDS"]))
    due = count_due()
    if due["due_retries"] or due["queued"]:
        for _ in range(max(1, current_app.config["DELIVERY_LANES"])):
            request_delivery()
    due.update(deliver_due_webhooks())
    result = {"recovered_stuck": recovered, "planned_late_customers": planned_late, "expired_waiting": expired,
              "requeued_sync_tasks": requeued_syncs, **due}
    log.info("sweep: %s", result)
    return result
