"""Rows for console tests: events and notifications in any state, with attempts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.extensions import db
from app.models import DeliveryAttempt, DispatchEvent, Notification
from app.models.base import utcnow


def event(correlation_id: str | None = None, event_type: str = "appointment_scheduled", **kw) -> DispatchEvent:
    row = DispatchEvent(
        correlation_id=correlation_id or f"corr-{uuid.uuid4().hex[:10]}", event_type=event_type,
        service_type_slug=kw.pop("service_type_slug", "mantenimiento-preventivo"),
        phase_slug=kw.pop("phase_slug", "phase-schedule"), target=kw.pop("target", "clients"),
        customer_ref=kw.pop("customer_ref", "customer-001"), context=kw.pop("context", {"nombre": "Carlos"}),
        status="planned", **kw,
    )
    db.session.add(row)
    db.session.flush()
    return row


def notification(channel: str = "email", status: str = "sent", *, created_at: datetime | None = None,
                 sent_after: float | None = 3.0, error_code: str = "", parent: Notification | None = None,
                 ev: DispatchEvent | None = None, attempts: int = 1, **kw) -> Notification:
    """A notification row; sent-like rows get sent_at = created_at + sent_after seconds."""
    ev = ev or event(kw.pop("correlation_id", None), kw.pop("event_type", "appointment_scheduled"))
    created = created_at or utcnow() - timedelta(minutes=5)
    row = Notification(
        event_id=ev.id, correlation_id=ev.correlation_id, event_type=ev.event_type, customer_ref=ev.customer_ref,
        channel=channel, recipient=kw.pop("recipient", "carlos@example.com"),
        subject=kw.pop("subject", "Su cita en Taller Central"), body=kw.pop("body", "Hola Carlos, su cita es mañana."),
        status=status, attempts=attempts, created_at=created, updated_at=created, error_code=error_code,
        error_reason=kw.pop("error_reason", "mailbox unavailable" if status == "failed" else ""),
        parent_id=parent.id if parent else None, **kw,
    )
    if status in ("sent", "delivered", "read") and sent_after is not None:
        row.sent_at = created + timedelta(seconds=sent_after)
    if status == "failed":
        row.failed_at = created + timedelta(seconds=10)
    db.session.add(row)
    db.session.flush()
    return row


def attempt(row: Notification, number: int = 1, outcome: str = "permanent", error_code: str = "smtp_550",
            error_message: str = "550 mailbox unavailable") -> DeliveryAttempt:
    item = DeliveryAttempt(notification_id=row.id, number=number, channel=row.channel, outcome=outcome,
                           error_code=error_code if outcome != "ok" else "",
                           error_message=error_message if outcome != "ok" else "", started_at=row.created_at)
    db.session.add(item)
    db.session.flush()
    return item
