"""Events waiting for their customer: stored with a placeholder row while the customer is not
synced yet, planned when the customer arrives, failed visibly when it never does."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.catalog import get_snapshot
from app.dispatch import plan
from app.dispatch.recipients import load_customer
from app.extensions import db
from app.models import Customer, DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.queue import request_delivery


def plan_waiting_events(customer_ref: str) -> int:
    """Plan the events that were waiting for this customer (called after a customer sync)."""
    customer = load_customer(customer_ref)
    if customer is None:
        return 0
    events = db.session.scalars(
        select(DispatchEvent).where(DispatchEvent.status == "waiting_for_customer",
                                    DispatchEvent.customer_ref == customer_ref)
        .with_for_update(skip_locked=True)
    ).all()
    snap = get_snapshot()
    for event in events:
        plate = plan.event_plate(event.context)
        plan.plan_waiting_event(event, load_customer(customer_ref, plate) if plate else customer, snap)
    db.session.commit()
    if events:
        request_delivery()
    return len(events)


def plan_late_customers() -> int:
    """Events stored as waiting while their customer's sync was committing: plan them now."""
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
