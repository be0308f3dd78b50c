"""Evolution API `messages.upsert`: store each text a customer sends to the workshop's WhatsApp.

- our own sends echo back (`key.fromMe`) and group chats (`@g.us`) are ignored;
- idempotent by `key.id` (Evolution retries its webhooks): a repeat changes nothing, emits nothing;
- the sender is matched to a customer by normalised phone (unknown numbers are kept without one);
- the message is linked to the notification it answers: the quoted one (`contextInfo.stanzaId` = the
  `key.id` we stored at send), else the last WhatsApp notification sent to the customer's number;
- an opt-out word switches WhatsApp off in the customer's preferences, an opt-in word back on
  (optout.py); both send one confirmation.
After the commit, `message.received` goes to webhook subscribers and the live console.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import integrations
from app.extensions import db
from app.inbox.optout import apply as apply_opt_out
from app.inbox.optout import wake_delivery_if_needed
from app.models import Customer, InboundMessage, Notification, ProviderReceipt
from app.models.base import isoformat_z, utcnow
from app.models.enums import NotificationStatus as S
from app.orchestration.contacts import normalise_phone

log = logging.getLogger(__name__)

SENT_STATUSES = (S.SENT, S.DELIVERED, S.READ)


@dataclass(frozen=True)
class Incoming:
    """One text message as Evolution described it."""

    message_id: str
    phone: str
    text: str
    push_name: str
    message_type: str
    quoted_id: str
    received_at: datetime
    instance: str


def is_upsert(payload: dict) -> bool:
    return str(payload.get("event") or "").lower().replace("_", ".") == "messages.upsert"


def parse_upsert(payload: dict) -> tuple[list[Incoming], int]:
    """The customer texts in one `messages.upsert` body (data may be one object or a list), and how
    many items were skipped (fromMe, groups, no text, no id)."""
    items = payload.get("data")
    items = items if isinstance(items, list) else [items]
    instance = str(payload.get("instance") or "")[:128]
    found, skipped = [], 0
    for item in items:
        incoming = _parse_item(item, instance) if isinstance(item, dict) else None
        if incoming is None:
            skipped += 1
        else:
            found.append(incoming)
    return found, skipped


def _parse_item(item: dict, instance: str) -> Incoming | None:
    key = item.get("key") if isinstance(item.get("key"), dict) else {}
    jid = str(key.get("remoteJid") or "")
    if key.get("fromMe") is True or str(key.get("fromMe")).lower() == "true" or jid.endswith("@g.us"):
        return None
    if jid.endswith("@lid"):  # WhatsApp's hidden-number addressing: Evolution adds the real number
        jid = str(key.get("senderPn") or key.get("remoteJidAlt") or "")
    phone = "".join(ch for ch in jid.split("@", 1)[0].split(":", 1)[0] if ch.isdigit())
    message = item.get("message") if isinstance(item.get("message"), dict) else {}
    extended = message.get("extendedTextMessage") if isinstance(message.get("extendedTextMessage"), dict) else {}
    text = message.get("conversation") or extended.get("text") or _caption(message)
    message_id = str(key.get("id") or "")
    if not (message_id and phone and isinstance(text, str) and text.strip()):
        return None
    context = extended.get("contextInfo") if isinstance(extended.get("contextInfo"), dict) else (
        item.get("contextInfo") if isinstance(item.get("contextInfo"), dict) else {})
    return Incoming(
        message_id=message_id[:255], phone=phone[:32], text=text.strip(),
        push_name=str(item.get("pushName") or "")[:255],
        message_type=str(item.get("messageType") or "")[:64], quoted_id=str(context.get("stanzaId") or "")[:255],
        received_at=_timestamp(item.get("messageTimestamp")), instance=instance,
    )


def _caption(message: dict) -> str:
    for name in ("imageMessage", "videoMessage", "documentMessage"):
        part = message.get(name)
        if isinstance(part, dict) and isinstance(part.get("caption"), str):
            return part["caption"]
    return ""


def _timestamp(value) -> datetime:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return utcnow()
    if seconds <= 0:
        return utcnow()
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def receive_evolution(payload: dict) -> dict[str, int]:
    """Store every customer text in the body; committed. Returns counts per outcome."""
    incoming, skipped = parse_upsert(payload)
    counts = {"ignored": skipped} if skipped else {}
    events: list[tuple[str, dict]] = []
    for message in incoming:
        outcome, new_events = _store(message)
        counts[outcome] = counts.get(outcome, 0) + 1
        events.extend(new_events)
    if skipped:
        db.session.add(ProviderReceipt(provider="evolution", provider_message_id="", provider_status="UPSERT",
                                       outcome="ignored"))
        db.session.commit()
    if events:
        integrations.publish(events)
    wake_delivery_if_needed(events)
    return counts


def _store(message: Incoming) -> tuple[str, list[tuple[str, dict]]]:
    if db.session.scalar(select(InboundMessage.id).where(InboundMessage.provider_message_id == message.message_id)):
        return "duplicate", []
    customer = find_customer(message.phone)
    row = InboundMessage(
        provider="evolution", provider_message_id=message.message_id, instance=message.instance,
        phone=message.phone, push_name=message.push_name, text=message.text, message_type=message.message_type,
        customer_id=customer.id if customer else None, quoted_message_id=message.quoted_id,
        received_at=message.received_at, created_at=utcnow(),
    )
    linked, link = _linked_notification(message, customer)
    if linked is not None:
        row.notification_id, row.link = linked.id, link
    db.session.add(row)
    confirmation = apply_opt_out(row, customer)
    try:
        db.session.commit()
    except IntegrityError:  # the same message stored meanwhile by a concurrent retry
        db.session.rollback()
        return "duplicate", []
    events = [("message.received", message_data(row, customer))]
    if confirmation is not None:
        events.append(("notification.queued", integrations.notification_data(confirmation,
                                                                             recipient=confirmation.recipient)))
    return "stored", events


def find_customer(phone: str) -> Customer | None:
    """The customer whose WhatsApp number (else phone) normalises to `phone`. Candidates come from
    customers.search_text, which holds every stored number normalised (app/records/search.py, with
    its trigram index on PostgreSQL), and are then compared number by number."""
    if len(phone) < 8:
        return None
    country = current_app.config.get("WHATSAPP_DEFAULT_COUNTRY_CODE", "593")
    candidates = db.session.scalars(
        select(Customer).where(Customer.search_text.contains(phone, autoescape=True))
        .order_by(Customer.is_active.desc(), Customer.updated_at.desc()).limit(20)
    ).all()
    by_whatsapp = [c for c in candidates if c.whatsapp and normalise_phone(c.whatsapp, country) == phone]
    by_phone = [c for c in candidates if not c.whatsapp and normalise_phone(c.phone, country) == phone]
    return (by_whatsapp or by_phone or [None])[0]


def _linked_notification(message: Incoming, customer: Customer | None) -> tuple[Notification | None, str]:
    if message.quoted_id:
        quoted = db.session.scalars(
            select(Notification).where(Notification.provider_message_id == message.quoted_id,
                                       Notification.channel == "whatsapp").limit(1)).first()
        if quoted is not None:
            return quoted, "quoted"
    if customer is None:
        return None, ""
    last = db.session.scalars(
        select(Notification).where(Notification.customer_id == customer.id, Notification.channel == "whatsapp",
                                   Notification.recipient == message.phone, Notification.status.in_(SENT_STATUSES))
        .order_by(Notification.sent_at.desc().nulls_last(), Notification.created_at.desc()).limit(1)
    ).first()
    return (last, "last") if last is not None else (None, "")


def message_data(row: InboundMessage, customer: Customer | None = None) -> dict:
    """The `data` of a message.* event."""
    return {
        "message_id": str(row.id), "provider_message_id": row.provider_message_id,
        "customer_id": customer.customer_id if customer else None, "phone": row.phone, "text": row.text,
        "kind": row.kind, "status": row.status,
        "notification_id": str(row.notification_id) if row.notification_id else None,
        "correlation_id": row.notification.correlation_id if row.notification is not None else None,
        "link": row.link or None, "received_at": isoformat_z(row.received_at),
    }
