"""The sweeper: the database row is the truth, so anything a lost job or a dead worker left
behind is found here and put back on its way."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from app.delivery.record import give_back
from app.delivery.schedule import release_due
from app.dispatch import expire_waiting_events, forget_old_slots, plan_late_customers
from app.extensions import db
from app.integrations import deliver_due_webhooks
from app.models import Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import wake_lanes
from app.sync import requeue_lost_tasks

log = logging.getLogger(__name__)


def recover_stuck_sending() -> int:
    """Rows left `sending` past SENDING_TIMEOUT_SECONDS go back to `retrying`, due now
    (at-least-once); rows whose attempts are exhausted become failed (and fall back). The last
    resort for a claim whose holder is unknown (no liveness lock: SQLite, rows claimed before
    claims named their process) or hung; dead processes are found much sooner
    (`recover_dead_claims`)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["SENDING_TIMEOUT_SECONDS"])
    return give_back(Notification.claimed_at < cutoff, "worker_lost",
                     "Recovered by the sweeper after the worker stopped mid-send.")


def recover_dead_claims(claimers: set[int]) -> int:
    """Rows claimed by processes that are gone (claimers.py) become due again."""
    if not claimers:
        return 0
    return give_back(Notification.claimed_by.in_(sorted(claimers)), "worker_lost",
                     "Recovered after the process that claimed it stopped mid-send.")


def overdue_exists(older_than_seconds: float) -> bool:
    """True when a row has been claimable for longer than `older_than_seconds` (queued, or a
    retry past its time): no delivery job took it (a wake lost with Redis, a retry whose timer was)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    queued = select(Notification.id).where(Notification.status == S.QUEUED, Notification.created_at < cutoff,
                                           or_(Notification.next_retry_at.is_(None), Notification.next_retry_at < cutoff))
    retries = select(Notification.id).where(Notification.status == S.RETRYING, Notification.next_retry_at < cutoff)
    found = db.session.scalar(select(exists(queued) | exists(retries)))
    db.session.commit()
    return bool(found)


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
    released = release_due()
    forget_old_slots(utcnow())
    planned_late = plan_late_customers()
    expired = expire_waiting_events()
    requeued_syncs = requeue_lost_tasks(timedelta(seconds=current_app.config["QUEUED_STALE_SECONDS"]))
    due = count_due()
    # At once, in this thread: `flask retry-failed` exits right after, and a lane marker left by
    # a process that died before enqueueing its job must not hold the rows back.
    due["lanes_woken"] = wake_lanes(repair=True) if due["due_retries"] or due["queued"] else []
    due.update(deliver_due_webhooks())
    result = {"recovered_stuck": recovered, "released_scheduled": released, "planned_late_customers": planned_late, "expired_waiting": expired,
              "requeued_sync_tasks": requeued_syncs, **due}
    log.info("sweep: %s", result)
    return result
