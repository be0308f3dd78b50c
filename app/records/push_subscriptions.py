"""Web Push subscriptions as a browser's PushSubscription.toJSON() gives them."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from app import net_guard
from app.channels.base import PushTarget
from app.extensions import db
from app.models import Customer, PushSubscription


def endpoint_problem(endpoint: str) -> str | None:
    """Why Avisos will not post to this endpoint, or None. Browsers give https URLs of their push
    service; an http URL or a private, loopback or link-local address is refused unless
    PUSH_ALLOWED_HOSTS names it (hosts, IPs or networks, as the other allow-lists: app/net_guard.py;
    a subscription is a URL anyone with the PWA's origin may register)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return "Must be an https:// URL with a host."
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if net_guard.allowed_by(parts.hostname, [str(literal)] if literal else [],
                            current_app.config.get("PUSH_ALLOWED_HOSTS") or []):
        return None
    if parts.scheme != "https":
        return "Must be an https:// URL."
    if literal is not None and not literal.is_global:
        return "Must not point at a private, loopback or link-local address."
    return None


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


def active_push_targets(customer_id: uuid.UUID) -> tuple[PushTarget, ...]:
    """The customer's active browser subscriptions, as the push adapter takes them."""
    subs = db.session.scalars(select(PushSubscription).where(
        PushSubscription.customer_id == customer_id, PushSubscription.is_active))
    return tuple(PushTarget(str(s.id), s.endpoint, s.p256dh, s.auth) for s in subs)


def push_targets_for(customer_ref: str) -> tuple[PushTarget, ...]:
    """The active subscriptions of the customer with this customer_id (none for an unknown one)."""
    customer_id = db.session.scalar(select(Customer.id).where(Customer.customer_id == customer_ref))
    return active_push_targets(customer_id) if customer_id else ()


def active_count(customer: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.customer_id == customer.id, PushSubscription.is_active)) or 0
