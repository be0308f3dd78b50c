"""Before sending again a message an earlier attempt may have sent, ask the provider.

An attempt's outcome is unknown when its answer timed out after the request left
(`evolution_timeout`) or its worker stopped between the send and the record (`worker_lost`,
`delivery_interrupted`). Evolution keeps no idempotency key, but it can list the messages it sent
to a number (app/channels/whatsapp.py `find_sent`): a match found there is recorded as sent and
not sent again. SMTP and Web Push offer no such question: those messages are sent again
(at-least-once; docs/OPERATIONS.md).
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import func, select

from app.channels.base import Lookup, Message, SendResult
from app.channels.pool import get_channel
from app.extensions import db
from app.models import DeliveryAttempt, Notification
from app.models.base import utcnow

# Outcomes after which the message may or may not have reached the provider.
UNSURE_CODES = ("evolution_timeout", "worker_lost", "delivery_interrupted", "provider_lookup_failed")
# Channels whose provider can be asked whether it has a message.
LOOKUP_CHANNELS = ("whatsapp",)
_C = Notification.__table__.c


def unsure_since(rows) -> dict[uuid.UUID, object]:
    """Row id -> start of its earliest attempt whose outcome is unknown (it may have reached the
    provider), for the claimed rows of a lookup channel that were tried before."""
    rows = [row for row in rows if row.channel in LOOKUP_CHANNELS and row.attempts > 1]
    if not rows:
        return {}
    found = db.session.execute(
        select(DeliveryAttempt.notification_id, func.min(DeliveryAttempt.started_at))
        .where(DeliveryAttempt.notification_id.in_([row.id for row in rows]),
               DeliveryAttempt.error_code.in_(UNSURE_CODES))
        .group_by(DeliveryAttempt.notification_id))
    return dict(found.all())


def look_up_unsure(work: list[tuple[object, Message]], config) -> tuple[list, list]:
    """Messages an earlier attempt may have sent are first looked up at providers that can be
    asked (WhatsApp): found -> recorded as sent, without sending; provider not answering -> a
    transient failure (asked again at the next attempt). Returns (outcomes known now as
    (row, result, started, duration_ms), work still to send)."""
    known, to_send = [], []
    for claimed, message in work:
        finder = getattr(get_channel(claimed.channel, config), "find_sent", None) if message.unsure_since else None
        if finder is None:
            to_send.append((claimed, message))
            continue
        started, clock = utcnow(), time.perf_counter()
        result = lookup_outcome(claimed, finder(message))
        if result is None:
            to_send.append((claimed, message))
        else:
            known.append((claimed, result, started, int((time.perf_counter() - clock) * 1000)))
    return known, to_send


def lookup_outcome(claimed, lookup: Lookup) -> SendResult | None:
    """The outcome a lookup settles, or None when the message must be sent."""
    if lookup.status == "unavailable":
        return SendResult.transient("provider_lookup_failed", f"An earlier attempt may have sent this message and "
                                    f"the provider could not be asked ({lookup.detail}); asking again later.")
    if lookup.status != "found":
        return None
    taken = set(db.session.scalars(select(_C.provider_message_id).where(
        _C.provider_message_id.in_(lookup.provider_message_ids), _C.id != claimed.id)))
    db.session.commit()
    free = [pid for pid in lookup.provider_message_ids if pid not in taken]
    if not free:
        return None
    return SendResult.success(provider_message_id=free[0],
                              summary="found at the provider: an earlier attempt had sent it (not sent again)")
