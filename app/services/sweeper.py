"""The sweeper: the database row is the truth, so anything a lost job or a dead worker left
behind is found here and put back on its way."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update

from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.services.delivery import give_back

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
    """Rows claimed by processes that are gone (services/claimers.py) become due again."""
    if not claimers:
        return 0
    return give_back(Notification.claimed_by.in_(sorted(claimers)), "worker_lost",
                     "Recovered after the process that claimed it stopped mid-send.")


def plan_late_customers() -> int:
    """Events stored as waiting while their customer's sync was committing: plan them now."""
    from app.models import Customer
    from app.services.dispatch import plan_waiting_events

    refs = db.session.scalars(
        select(DispatchEvent.customer_ref).distinct()
        .join(Customer, Customer.customer_id == DispatchEvent.customer_ref)
        .where(DispatchEvent.status == "waiting_for_customer")
    ).all()
    db.session.commit()
    return sum(plan_waiting_events(ref) for ref in refs)


def expire_waiting_events() -> int:
    """Events whose customer never appeared within CUSTOMER_WAIT_SECONDS fail, visibly, with the reason."""
    wait = current_app.config["CUSTOMER_WAIT_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=wait)
    events = db.session.scalars(
        select(DispatchEvent).where(DispatchEvent.status == "waiting_for_customer", DispatchEvent.created_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    now = utcnow()
    for event in events:
        event.status = "expired"
        db.session.execute(
            update(Notification).where(Notification.event_id == event.id,
                                       Notification.status == S.WAITING_FOR_CUSTOMER)
            .values(status=S.FAILED, failed_at=now, updated_at=now, error_code="customer_not_found",
                    error_reason=f"Customer '{event.customer_ref}' was not synced within {wait // 60} min "
                                 f"({wait} s) of the event.")
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return len(events)


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
    from jobs.runtime import runner

    from jobs.sync import requeue_lost_tasks
    from app.services.webhooks.delivery import deliver_due as deliver_due_webhooks

    recovered = recover_stuck_sending()
    planned_late = plan_late_customers()
    expired = expire_waiting_events()
    requeued_syncs = requeue_lost_tasks(timedelta(seconds=current_app.config["QUEUED_STALE_SECONDS"]))
    due = count_due()
    # At once, in this thread: `flask retry-failed` exits right after, and a lane marker left by
    # a process that died before enqueueing its job must not hold the rows back.
    due["lanes_woken"] = runner().wake_lanes(repair=True) if due["due_retries"] or due["queued"] else []
    due.update(deliver_due_webhooks())
    result = {"recovered_stuck": recovered, "planned_late_customers": planned_late, "expired_waiting": expired,
              "requeued_sync_tasks": requeued_syncs, **due}
    log.info("sweep: %s", result)
    return result
