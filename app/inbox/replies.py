"""The Respuestas inbox: unanswered customer messages newest first, a customer's messages for the
timeline, and the staff actions (answer through WhatsApp, mark handled)."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app import integrations
from app.extensions import db
from app.inbox.optout import whatsapp_enabled
from app.inbox.outgoing import REPLY_EVENT, queue_whatsapp
from app.inbox.receive import message_data
from app.models import InboundMessage, Notification
from app.models.base import utcnow
from app.queue import request_delivery

OPEN = "open"
MAX_REPLY_CHARS = 4096


class ReplyRefused(Exception):
    """Why a staff answer cannot be sent (a message for the console)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage)
                             .where(InboundMessage.status == OPEN)) or 0


def inbox_query(status: str = OPEN):
    """Messages with `status` ("all" for every one), newest first."""
    query = select(InboundMessage).options(selectinload(InboundMessage.customer),
                                           selectinload(InboundMessage.notification))
    if status != "all":
        query = query.where(InboundMessage.status == status)
    return query.order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())


def inbox_page(status: str = OPEN, page: int = 1, per_page: int = 50) -> tuple[list[InboundMessage], bool]:
    rows = list(db.session.scalars(inbox_query(status).limit(per_page + 1).offset((max(1, page) - 1) * per_page)))
    return rows[:per_page], len(rows) > per_page


def customer_messages(customer_id: uuid.UUID, newest: datetime | None, oldest: datetime | None) -> list[InboundMessage]:
    """A customer's messages that arrived between `oldest` and `newest` (None: unbounded), newest
    first. Arrival time (created_at), not WhatsApp's whole-second timestamp, orders them among the
    notifications."""
    query = select(InboundMessage).where(InboundMessage.customer_id == customer_id)
    if newest is not None:
        query = query.where(InboundMessage.created_at <= newest)
    if oldest is not None:
        query = query.where(InboundMessage.created_at >= oldest)
    return list(db.session.scalars(query.order_by(InboundMessage.created_at.desc()).limit(200)))


def get_message(message_id: uuid.UUID) -> InboundMessage | None:
    return db.session.get(InboundMessage, message_id)


def answer(message: InboundMessage, text: str, staff: str) -> Notification:
    """Send `text` to the message's number through WhatsApp as a normal notification row (the staff
    member recorded in its payload); the message becomes answered. Committed, delivery woken."""
    text = (text or "").strip()
    if not text:
        raise ReplyRefused("empty")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyRefused("too_long")
    customer = message.customer
    if customer is not None and not whatsapp_enabled(customer):
        raise ReplyRefused("opted_out")
    if not current_app.config.get("EVOLUTION_API_URL"):
        raise ReplyRefused("not_configured")
    row = queue_whatsapp(customer, message.phone, text, REPLY_EVENT,
                         {"sent_by": staff, "in_reply_to": str(message.id)})
    message.status, message.handled_at, message.handled_by = "answered", utcnow(), staff[:254]
    message.reply_notification_id = row.id
    db.session.commit()
    request_delivery()
    integrations.publish([
        ("notification.queued", integrations.notification_data(row, recipient=row.recipient)),
        ("message.answered", message_data(message, customer)),
    ])
    return row


def mark_handled(message_ids: list[uuid.UUID], staff: str) -> int:
    """Close open messages without answering; returns how many changed."""
    if not message_ids:
        return 0
    changed = db.session.execute(
        update(InboundMessage).where(InboundMessage.id.in_(message_ids), InboundMessage.status == OPEN)
        .values(status="handled", handled_at=utcnow(), handled_by=staff[:254])
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed:
        integrations.publish([("message.handled", {"message_ids": [str(i) for i in message_ids],
                                                   "handled_by": staff})])
    return changed
