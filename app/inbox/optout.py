"""Opt-out and opt-in by message: a customer who writes one of INBOX_OPT_OUT_WORDS ("BAJA", "STOP",
"CANCELAR", "NO MAS") gets WhatsApp switched off in their channel preferences (the planner then skips
the channel and falls back to the next one); one of INBOX_OPT_IN_WORDS ("ALTA") switches it back on.
Words compare without case, accents or surrounding punctuation. Each change sends one confirmation;
a repeat (BAJA while already off) changes nothing and sends nothing. WhatsApp messages already
queued for the customer and not yet sent are cancelled with the opt-out."""

from __future__ import annotations

import re
import uuid

from flask import current_app
from sqlalchemy import update

from app.extensions import db

from app.inbox.outgoing import OPT_IN_EVENT, OPT_OUT_EVENT, queue_whatsapp
from app.models import ChannelPreference, Customer, InboundMessage, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S
from app.orchestration.search import fold
from app.queue import request_delivery

OPT_OUT_TEXT = ("Listo: ya no recibirá avisos del taller por WhatsApp. Si desea volver a recibirlos, "
                "responda ALTA.")
OPT_IN_TEXT = "Listo: volverá a recibir los avisos del taller por WhatsApp. Para dejar de recibirlos, responda BAJA."
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_word(text: str) -> str:
    """'¡Baja!' -> 'baja', 'No más' -> 'no mas': lower case, no accents, single spaces."""
    return _NOT_WORD.sub(" ", fold(text)).strip()


def classify(text: str) -> str:
    """opt_out | opt_in | text: the whole message must be one of the configured words."""
    word = normalise_word(text)
    if word in {normalise_word(w) for w in current_app.config.get("INBOX_OPT_OUT_WORDS", ())}:
        return "opt_out"
    if word in {normalise_word(w) for w in current_app.config.get("INBOX_OPT_IN_WORDS", ())}:
        return "opt_in"
    return "text"


def whatsapp_enabled(customer: Customer) -> bool:
    pref = next((p for p in customer.preferences if p.channel == "whatsapp"), None)
    return pref is None or pref.enabled


def set_whatsapp(customer: Customer, enabled: bool) -> None:
    pref = next((p for p in customer.preferences if p.channel == "whatsapp"), None)
    if pref is None:
        # Never set: WhatsApp keeps its default place (first) and the others theirs (records.preference_id).
        priority = 1 + max((p.priority for p in customer.preferences), default=0) if customer.preferences else 1
        customer.preferences.append(ChannelPreference(id=uuid.uuid5(customer.id, "whatsapp"), channel="whatsapp",
                                                      enabled=enabled, priority=priority))
    else:
        pref.enabled, pref.updated_at = enabled, utcnow()


def apply(row: InboundMessage, customer: Customer | None) -> Notification | None:
    """Classify the message; for a known customer whose setting changes, switch WhatsApp and queue
    the confirmation (not committed). The message is then handled automatically."""
    row.kind = classify(row.text)
    if row.kind == "text" or customer is None:
        return None
    wanted = row.kind == "opt_in"
    row.status, row.handled_at, row.handled_by = "handled", utcnow(), "auto"
    if whatsapp_enabled(customer) == wanted:
        return None
    set_whatsapp(customer, wanted)
    if not wanted:
        _cancel_waiting_whatsapp(customer)
    text, event_type = (OPT_IN_TEXT, OPT_IN_EVENT) if wanted else (OPT_OUT_TEXT, OPT_OUT_EVENT)
    # The confirmation goes out even though WhatsApp is now off: it is the answer to this message.
    return queue_whatsapp(customer, row.phone, text, event_type, {"in_reply_to": str(row.id)})


def _cancel_waiting_whatsapp(customer: Customer) -> None:
    """WhatsApp messages planned before the opt-out and not sent yet are cancelled with it."""
    db.session.execute(
        update(Notification)
        .where(Notification.customer_id == customer.id, Notification.channel == "whatsapp",
               Notification.status.in_((S.QUEUED, S.SCHEDULED, S.RETRYING)))
        .values(status=S.CANCELLED, next_retry_at=None, error_code="opted_out", updated_at=utcnow(),
                error_reason="cancelled: the customer opted out of WhatsApp by message")
        .execution_options(synchronize_session=False)
    )


def wake_delivery_if_needed(events: list[tuple[str, dict]]) -> None:
    if any(event_type == "notification.queued" for event_type, _ in events):
        request_delivery()
