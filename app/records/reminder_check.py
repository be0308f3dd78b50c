"""Maintenance reminders that come due: find them (by date or by kilometres) and dispatch a
`maintenance_reminder` event for each, with every variable Avisos knows filled in (the hourly
check), or for one reminder now (staff's "notify now")."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import integrations
from app.dispatch import accept_event
from app.errors import ApiError
from app.extensions import db
from app.models import MaintenanceReminder
from app.models.base import utcnow
from app.models.enums import ReminderStatus, ReminderType
from app.orchestration.planning import REMINDER_EVENT
from app.records.reminders import CLOSED

log = logging.getLogger(__name__)

SYSTEM_CALLER = uuid.UUID(int=0)  # idempotency scope for events Avisos raises itself
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
          "octubre", "noviembre", "diciembre")


def spanish_date(value: date | None) -> str:
    return f"{value.day} de {MONTHS[value.month - 1]} de {value.year}" if value else "la fecha indicada"


def kilometres(value: int | None) -> str:
    return f"{value:,}".replace(",", ".") + " km" if value is not None else "el kilometraje indicado"


def local_today() -> tuple[date, datetime]:
    now = datetime.now(ZoneInfo(current_app.config["TIMEZONE"]))
    return now.date(), now


def is_due(reminder: MaintenanceReminder, today: date) -> bool:
    """Due by date or by kilometres, as its type says (a target the type does not name is kept, unused)."""
    kind = reminder.reminder_type
    by_date = (kind in (ReminderType.DATE, ReminderType.BOTH) and reminder.due_date is not None
               and reminder.due_date - timedelta(days=reminder.notify_before_days) <= today)
    km_now = reminder.vehicle.current_kilometers if reminder.vehicle else None
    by_km = (kind in (ReminderType.KILOMETERS, ReminderType.BOTH) and reminder.due_kilometers is not None
             and km_now is not None and km_now >= reminder.due_kilometers - reminder.notify_before_km)
    return by_date or by_km


def notified_today(reminder: MaintenanceReminder, today: date) -> bool:
    if reminder.last_notified_at is None:
        return False
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return reminder.last_notified_at.astimezone(zone).date() == today


def reminder_payload(reminder: MaintenanceReminder, today: date) -> dict:
    vehicle, customer = reminder.vehicle, reminder.customer
    shop = customer.workshop
    context = {
        "Nombre": customer.full_name or customer.customer_id,
        "Placa": vehicle.plate,
        "Vehículo": vehicle.description or vehicle.plate,
        "Servicio": reminder.title,
        "Fecha": spanish_date(reminder.due_date),
        "Kilometraje": kilometres(reminder.due_kilometers),
        "Taller": shop.name if shop else current_app.config["DEFAULT_WORKSHOP_NAME"],
    }
    payload = {
        "event_type": REMINDER_EVENT,
        "service_type_id": reminder.service_type.slug if reminder.service_type else "mantenimiento-preventivo",
        "customer_id": customer.customer_id, "target": "clients", "context": context,
        "correlation_id": f"reminder-{reminder.id}-{today.isoformat()}",
    }
    if shop:
        payload["taller_id"] = str(shop.id)
    if reminder.notify_via:
        payload["channels"] = list(reminder.notify_via)
    return payload


def check_maintenance_reminders(force: bool = False) -> dict:
    """Run the daily check. Scheduled runs wait for REMINDER_HOUR (local time); `force` runs now.
    A reminder is never notified twice on the same local day."""
    today, now_local = local_today()
    if not force and now_local.hour < current_app.config["REMINDER_HOUR"]:
        return {"skipped": f"before {current_app.config['REMINDER_HOUR']}:00 {current_app.config['TIMEZONE']}"}
    reminders = db.session.scalars(
        select(MaintenanceReminder).options(
            selectinload(MaintenanceReminder.vehicle), selectinload(MaintenanceReminder.customer))
        .where(MaintenanceReminder.status == ReminderStatus.PENDING)
    ).all()
    result = {"checked": len(reminders), "notified": 0, "no_channel": 0, "skipped_today": 0, "errors": 0}
    for reminder in reminders:
        if not is_due(reminder, today):
            continue
        if notified_today(reminder, today):
            result["skipped_today"] += 1
            continue
        outcome = _notify(reminder, today)
        result[outcome] += 1
    result["overdue"] = mark_overdue(today)
    return result


def _dispatch(reminder_id: uuid.UUID, payload: dict, idempotency_key: str) -> dict:
    """Accept the reminder's event and note that it was notified (committed); returns the 202 body.
    An event that is refused is rolled back, logged and raised."""
    try:
        _, body = accept_event(payload, api_key_id=SYSTEM_CALLER, idempotency_key=idempotency_key)
    except ApiError as err:
        db.session.rollback()
        log.warning("reminder %s could not be dispatched: %s %s", reminder_id, err.code, err.fields)
        raise
    reminder = db.session.get(MaintenanceReminder, reminder_id)
    reminder.last_notified_at = utcnow()
    if body.get("notifications_queued", 0) > 0:
        reminder.status = ReminderStatus.NOTIFIED
        reminder.notified_count += 1
    db.session.commit()
    return body


def _notify(reminder: MaintenanceReminder, today: date) -> str:
    reminder_id = reminder.id
    try:
        body = _dispatch(reminder_id, reminder_payload(reminder, today), f"reminder-{reminder_id}-{today.isoformat()}")
    except ApiError:
        return "errors"
    reminder = db.session.get(MaintenanceReminder, reminder_id)
    integrations.publish([("reminder.due", {
        "id": str(reminder_id), "customer_id": body.get("customer_id") or reminder_customer_ref(reminder),
        "correlation_id": body.get("correlation_id"), "notifications_queued": body.get("notifications_queued", 0),
    })])
    return "notified" if body.get("notifications_queued", 0) > 0 else "no_channel"


def reminder_customer_ref(reminder: MaintenanceReminder) -> str | None:
    return reminder.customer.customer_id if reminder.customer is not None else None


def mark_overdue(today: date) -> int:
    rows = db.session.scalars(select(MaintenanceReminder).where(
        MaintenanceReminder.status.in_([ReminderStatus.PENDING, ReminderStatus.NOTIFIED]),
        MaintenanceReminder.reminder_type.in_([ReminderType.DATE, ReminderType.BOTH]),
        MaintenanceReminder.due_date < today)).all()
    for row in rows:
        row.status = ReminderStatus.OVERDUE
    db.session.commit()
    return len(rows)


def notify_now(reminder_id: uuid.UUID) -> tuple[bool, str]:
    """Dispatch the reminder's event now, whatever its due date. Returns (queued, detail).
    Repeated clicks within the same minute are one event (idempotency key per minute)."""
    reminder = db.session.get(MaintenanceReminder, reminder_id)
    if reminder is None:
        return False, "not_found"
    if reminder.status in CLOSED:
        return False, "closed"
    today, _ = local_today()
    payload = reminder_payload(reminder, today)
    payload["correlation_id"] = f"reminder-{reminder.id}-manual-{utcnow():%Y%m%dT%H%M}"
    try:
        body = _dispatch(reminder_id, payload, payload["correlation_id"])
    except ApiError as err:
        return False, err.code
    queued = body.get("notifications_queued", 0)
    return bool(queued), "queued" if queued else "no_channel"
