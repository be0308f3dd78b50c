"""Maintenance reminders: queries, validated writes, and the staff actions complete and cancel.
Which reminders are due, and notifying them, is reminder_check.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Customer, MaintenanceReminder, ServiceType, Vehicle
from app.models.base import utcnow
from app.models.enums import ReminderStatus, ReminderType
from app.records.common import RecordInvalid
from app.records.customers import find_customer

CLOSED = (ReminderStatus.COMPLETED, ReminderStatus.CANCELLED)


def reminder_query(status: str | None = None, customer_ref: str | None = None, vehicle_id: Any = None,
                   customer_pk: uuid.UUID | None = None):
    query = select(MaintenanceReminder).options(
        selectinload(MaintenanceReminder.vehicle), selectinload(MaintenanceReminder.customer),
        selectinload(MaintenanceReminder.service_type))
    if status:
        query = query.where(MaintenanceReminder.status == status)
    else:
        # The reference's clients know pending, notified, completed and overdue only.
        query = query.where(MaintenanceReminder.status != ReminderStatus.CANCELLED)
    if customer_ref:
        query = query.where(MaintenanceReminder.customer_id.in_(
            select(Customer.id).where(Customer.customer_id == customer_ref)))
    if customer_pk:
        query = query.where(MaintenanceReminder.customer_id == customer_pk)
    if vehicle_id:
        query = query.where(MaintenanceReminder.vehicle_id == vehicle_id)
    return query.order_by(MaintenanceReminder.due_date, MaintenanceReminder.created_at, MaintenanceReminder.id)


REMINDER_FIELDS = ("title", "description", "due_date", "due_kilometers", "notify_before_days", "notify_before_km",
                   "status")
# Which targets each reminder type needs, named as the reference names them.
TYPE_TARGETS = {ReminderType.DATE: ("due_date",), ReminderType.KILOMETERS: ("due_kilometers",),
                ReminderType.BOTH: ("due_date", "due_kilometers")}
TARGET_NAMES = {"due_date": "target_date", "due_kilometers": "target_kilometers"}


def save_reminder(reminder: MaintenanceReminder | None, values: Mapping[str, Any]) -> MaintenanceReminder:
    """Create (reminder=None) or overwrite a reminder from validated values; commits. The type
    defaults to the targets given; a type needs its targets; a given customer_id must own the vehicle."""
    vehicle = db.session.get(Vehicle, values["vehicle"])
    problems = _reminder_problems(vehicle, values)
    if problems:
        raise RecordInvalid(problems)
    if reminder is None:
        reminder = MaintenanceReminder()
        db.session.add(reminder)
    owner = vehicle.customer_id or find_customer(values["customer_id"]).id
    reminder.vehicle_id, reminder.customer_id = vehicle.id, owner
    reminder.service_type_id = values.get("service_type")
    for name in REMINDER_FIELDS:
        setattr(reminder, name, values.get(name))
    reminder.reminder_type = values.get("type") or ReminderType.of(values.get("due_date"), values.get("due_kilometers"))
    reminder.notify_via = list(values.get("notify_via") or [])
    if reminder.status == ReminderStatus.COMPLETED and reminder.completed_at is None:
        reminder.completed_at = utcnow()
    db.session.commit()
    return reminder


def _reminder_problems(vehicle: Vehicle | None, values: Mapping[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    customer_ref = values.get("customer_id")
    if vehicle is None:
        problems["vehicle"] = ["Unknown vehicle."]
    elif customer_ref and vehicle.customer is not None and vehicle.customer.customer_id != customer_ref:
        problems["customer_id"] = ["This vehicle belongs to another customer."]
    elif customer_ref and vehicle.customer is None and find_customer(customer_ref) is None:
        problems["customer_id"] = ["Unknown customer."]
    elif vehicle.customer_id is None and not customer_ref:
        problems["vehicle"] = ["This vehicle has no owner; link it to a customer first (or send customer_id)."]
    if values.get("service_type") and db.session.get(ServiceType, values["service_type"]) is None:
        problems["service_type"] = ["Unknown service type."]
    kind = values.get("type")
    if kind is None and values.get("due_date") is None and values.get("due_kilometers") is None:
        problems["target_date"] = ["Give target_date (due_date), target_kilometers (due_kilometers) or both."]
    for target in TYPE_TARGETS.get(kind, ()):
        if values.get(target) is None:
            problems[TARGET_NAMES[target]] = [f"Required for type '{kind}'."]
    return problems


def reminder_values(reminder: MaintenanceReminder) -> dict[str, Any]:
    """The reminder in write-body field names (what PATCH merges the sent fields into)."""
    values = {name: getattr(reminder, name) for name in REMINDER_FIELDS}
    values["due_date"] = reminder.due_date.isoformat() if reminder.due_date else None
    return {**values, "vehicle": str(reminder.vehicle_id), "service_type": reminder.service_type_id,
            "type": reminder.reminder_type, "notify_via": list(reminder.notify_via or [])}


def complete_reminder(reminder: MaintenanceReminder) -> MaintenanceReminder:
    reminder.status = ReminderStatus.COMPLETED
    reminder.completed_at = reminder.completed_at or utcnow()
    db.session.commit()
    return reminder


def _load(ids: Iterable[uuid.UUID]) -> list[MaintenanceReminder]:
    wanted = list(ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(MaintenanceReminder).where(MaintenanceReminder.id.in_(wanted))))


def complete_reminders(ids: Iterable[uuid.UUID]) -> int:
    """Mark reminders completed (already completed ones are left as they are); returns how many changed."""
    changed = 0
    for reminder in _load(ids):
        if reminder.status != ReminderStatus.COMPLETED:
            reminder.status = ReminderStatus.COMPLETED
            reminder.completed_at = utcnow()
            changed += 1
    db.session.commit()
    return changed


def cancel_reminders(ids: Iterable[uuid.UUID]) -> int:
    """Cancel open reminders (completed or cancelled ones stay); returns how many changed."""
    changed = 0
    for reminder in _load(ids):
        if reminder.status not in CLOSED:
            reminder.status = ReminderStatus.CANCELLED
            changed += 1
    db.session.commit()
    return changed
