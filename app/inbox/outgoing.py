"""WhatsApp messages the inbox sends itself (a staff answer, an opt-out confirmation): normal
notification rows, each with its own accepted event, delivered by the usual lanes."""

from __future__ import annotations

import uuid

from flask import current_app

from app.extensions import db
from app.models import Customer, DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

REPLY_EVENT = "inbox.reply"
OPT_OUT_EVENT = "inbox.opt_out"
OPT_IN_EVENT = "inbox.opt_in"


def queue_whatsapp(customer: Customer | None, phone: str, text: str, event_type: str,
                   payload: dict | None = None) -> Notification:
    """Add (not commit) one queued WhatsApp notification to `phone` with its accepted event."""
    now = utcnow()
    correlation_id = f"{event_type}-{uuid.uuid4().hex[:12]}"
    customer_ref = customer.customer_id if customer else phone
    event = DispatchEvent(
        id=uuid.uuid4(), correlation_id=correlation_id, event_type=event_type, target="clients",
        workshop_id=customer.workshop_id if customer else None, customer_ref=customer_ref, context={},
        channels=["whatsapp"], status="planned", created_at=now, planned_at=now,
    )
    row = Notification(
        id=uuid.uuid4(), event_id=event.id, correlation_id=correlation_id, event_type=event_type,
        customer_id=customer.id if customer else None, customer_ref=customer_ref, target="clients",
        channel="whatsapp", recipient=phone, body=text, payload=payload or {}, status=S.QUEUED, attempts=0,
        max_attempts=1 + len(current_app.config["RETRY_BACKOFF_SECONDS"]), created_at=now, updated_at=now,
    )
    db.session.add(event)
    db.session.add(row)
    return row
