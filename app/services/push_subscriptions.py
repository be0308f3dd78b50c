"""Web Push subscriptions as a browser's PushSubscription.toJSON() gives them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, PushSubscription


def subscribe(customer: Customer, endpoint: str, p256dh: str, auth: str, user_agent: str = "",
              expires_at: datetime | None = None) -> tuple[PushSubscription, bool]:
    """Store or refresh a subscription; re-subscribing the same endpoint updates it (and may move
    it to another customer, as when a device changes hands). Returns (row, created)."""
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    created = row is None
    if created:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    row.customer_id, row.p256dh, row.auth = customer.id, p256dh, auth
    row.user_agent = (user_agent or "")[:255]
    row.is_active, row.failure_count, row.deactivated_reason = True, 0, ""
    row.expires_at = expires_at
    db.session.commit()
    return row, created


def unsubscribe(endpoint: str) -> bool:
    """Remove the subscription with this endpoint; False when there is none."""
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        return False
    db.session.delete(row)
    db.session.commit()
    return True


def active_count(customer: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.customer_id == customer.id, PushSubscription.is_active)) or 0
