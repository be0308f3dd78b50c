"""Delivery receipts from providers: Evolution API `messages.update` events move WhatsApp
notifications to delivered / read (or failed) by provider message id.

Evolution retries its webhooks, so handling is idempotent: a status never moves backwards, a
repeated receipt changes nothing and emits nothing. Unknown ids are acknowledged and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app import integrations
from app.delivery.record import add_fallback
from app.extensions import db
from app.models import Notification, ProviderReceipt
from app.models.base import isoformat_z, utcnow
from app.models.enums import NotificationStatus as S

log = logging.getLogger(__name__)

EVOLUTION_STATUS = {"DELIVERY_ACK": S.DELIVERED, "READ": S.READ, "PLAYED": S.READ, "ERROR": S.FAILED}
# How far along each status is; a receipt only ever moves a notification forward.
RANK = {S.SENT: 1, S.DELIVERED: 2, S.READ: 3}
EVENT_FOR = {S.DELIVERED: "notification.delivered", S.READ: "notification.read", S.FAILED: "notification.failed"}


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    provider_status: str


def parse_evolution(payload: dict) -> list[StatusUpdate]:
    """The status updates in one Evolution webhook body (data may be one object or a list)."""
    event = str(payload.get("event") or "").lower().replace("_", ".")
    if event != "messages.update":
        return []
    items = payload.get("data")
    items = items if isinstance(items, list) else [items]
    updates = []
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("key") if isinstance(item.get("key"), dict) else {}
        message_id = item.get("keyId") or key.get("id") or ""
        status = str(item.get("status") or "").upper()
        if message_id and status:
            updates.append(StatusUpdate(str(message_id)[:255], status[:32]))
    return updates


def apply_evolution(payload: dict) -> dict[str, int]:
    """Apply every status update in the body; committed. Returns counts per outcome."""
    events: list[tuple[str, dict]] = []
    counts: dict[str, int] = {}
    updates = parse_evolution(payload)
    if not updates:
        _log_receipt("", str(payload.get("event") or "")[:32], "ignored", None)
        counts["ignored"] = 1
    for update in updates:
        outcome, event = _apply_one(update)
        counts[outcome] = counts.get(outcome, 0) + 1
        if event is not None:
            events.append(event)
    db.session.commit()
    if events:
        integrations.publish(events)
    return counts


def _apply_one(update: StatusUpdate) -> tuple[str, tuple[str, dict] | None]:
    target = EVOLUTION_STATUS.get(update.provider_status)
    row = db.session.scalars(
        select(Notification).where(Notification.provider_message_id == update.provider_message_id,
                                   Notification.channel == "whatsapp").limit(1).with_for_update()
    ).first()
    if row is None:
        _log_receipt(update.provider_message_id, update.provider_status, "unknown", None)
        return "unknown", None
    if target is None or not _moves_forward(row.status, target):
        _log_receipt(update.provider_message_id, update.provider_status, "ignored", row.id)
        return "ignored", None
    _set_status(row, target)
    _log_receipt(update.provider_message_id, update.provider_status, "applied", row.id)
    return "applied", (EVENT_FOR[target], event_data(row))


def _moves_forward(current: str, target: str) -> bool:
    if target == S.FAILED:
        # An error after the provider accepted the message; not once it was delivered.
        return current == S.SENT
    return RANK.get(target, 0) > RANK.get(current, -1) and current in RANK


def _set_status(row: Notification, target: str) -> None:
    now = utcnow()
    row.status, row.updated_at = target, now
    if target in (S.DELIVERED, S.READ) and row.delivered_at is None:
        row.delivered_at = now
    if target == S.READ:
        row.read_at = now
    if target == S.FAILED:
        row.failed_at, row.error_code = now, "provider_error"
        row.error_reason = "Evolution API reported an error delivering the message (receipt status ERROR)."
        _plan_fallback(row)


def _plan_fallback(row: Notification) -> None:
    db.session.flush()
    add_fallback(row.id)


def event_data(row: Notification) -> dict:
    """The `data` of a notification.* outbound event."""
    return integrations.notification_data(row, provider_message_id=row.provider_message_id,
                                      delivered_at=isoformat_z(row.delivered_at), read_at=isoformat_z(row.read_at))


def _log_receipt(message_id: str, status: str, outcome: str, notification_id) -> None:
    db.session.add(ProviderReceipt(provider="evolution", provider_message_id=message_id,
                                   provider_status=status, outcome=outcome, notification_id=notification_id))


def log_rejected(provider: str) -> None:
    """Count a receipt refused for a missing or wrong secret (committed)."""
    db.session.add(ProviderReceipt(provider=provider, outcome="rejected"))
    db.session.commit()
