"""Customer, channel-preference, vehicle and reminder records for the JSON API (queries and writes)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ChannelPreference, Customer, MaintenanceReminder, ServiceType, Vehicle, Workshop
from app.models.base import utcnow
from app.models.enums import CHANNELS, ReminderStatus, ReminderType
from app.orchestration.contacts import normalise_plate
from app.orchestration.planning import CHANNEL_ORDER_DEFAULT


class RecordInvalid(Exception):
    """The write does not fit the stored data; `fields` names the problems."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__(str(fields))


def _commit(conflict: dict[str, list[str]]) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RecordInvalid(conflict) from None


# Customers -------------------------------------------------------------------------------------
def customer_query(search: str | None = None):
    query = select(Customer).options(selectinload(Customer.preferences))
    if search:
        like = f"%{search.strip()}%"
        query = query.where(or_(Customer.first_name.ilike(like), Customer.last_name.ilike(like),
                                Customer.email.ilike(like), Customer.phone.ilike(like),
                                Customer.customer_id.ilike(like)))
    return query.order_by(Customer.last_name, Customer.first_name, Customer.customer_id)


def find_customer(customer_ref: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.customer_id == customer_ref))


CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "whatsapp", "is_active")


def save_customer(customer: Customer | None, values: Mapping[str, Any]) -> Customer:
    """Create (customer=None; values carry customer_id) or overwrite a customer; commits."""
    if values.get("taller_id") and db.session.get(Workshop, values["taller_id"]) is None:
        raise RecordInvalid({"taller_id": ["Unknown workshop."]})
    if customer is None:
        customer = Customer(customer_id=values["customer_id"])
        db.session.add(customer)
    for name in CUSTOMER_FIELDS:
        setattr(customer, name, values[name])
    customer.workshop_id = values.get("taller_id")
    _commit({"customer_id": ["A customer with this customer_id already exists."]})
    return customer


def customer_values(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    return {**values, "customer_id": customer.customer_id, "taller_id": customer.workshop_id}


def delete_row(row: Any) -> None:
    db.session.delete(row)
    db.session.commit()


def preference_id(customer: Customer, channel: str) -> uuid.UUID:
    """A customer's preference for a channel has one id, stored or not yet (stable across saves)."""
    return uuid.uuid5(customer.id, channel)


def effective_preferences(customer: Customer) -> list[ChannelPreference]:
    """Stored preferences, completed with the default order for channels never set."""
    stored = {p.channel: p for p in customer.preferences}
    out = list(stored.values())
    next_priority = max((p.priority for p in out), default=0) + 1
    for channel in CHANNEL_ORDER_DEFAULT:
        if channel not in stored:
            out.append(ChannelPreference(id=preference_id(customer, channel), channel=channel, enabled=True,
                                         priority=next_priority))
            next_priority += 1
    return sorted(out, key=lambda p: (p.priority, CHANNELS.index(p.channel)))


def set_preferences(customer: Customer, preferences: list[Mapping[str, Any]]) -> list[ChannelPreference]:
    """Upsert the given channels' preferences (others keep theirs); commits. An item's `id`, when
    sent, must be that channel's preference id."""
    channels = [p["channel"] for p in preferences]
    if len(set(channels)) != len(channels):
        raise RecordInvalid({"preferences": ["Each channel may appear once."]})
    stored = {p.channel: p for p in customer.preferences}
    problems = {f"preferences[{i}].id": ["This id belongs to another preference; preferences are matched by channel."]
                for i, item in enumerate(preferences)
                if item.get("id") is not None and item["id"] != (stored[item["channel"]].id if item["channel"] in stored
                                                                 else preference_id(customer, item["channel"]))}
    if problems:
        raise RecordInvalid(problems)
    for item in preferences:
        row = stored.get(item["channel"])
        if row is None:
            row = ChannelPreference(id=preference_id(customer, item["channel"]), channel=item["channel"])
            customer.preferences.append(row)
        row.enabled, row.priority = item["enabled"], item["priority"]
    db.session.commit()
    db.session.refresh(customer)
    return effective_preferences(customer)


# Vehicles --------------------------------------------------------------------------------------
def vehicle_query(customer_ref: str | None = None, plate: str | None = None):
    query = select(Vehicle).options(selectinload(Vehicle.customer))
    if customer_ref:
        owner_ids = select(Customer.id).where(Customer.customer_id == customer_ref)
        parsed = _uuid(customer_ref)
        if parsed:
            owner_ids = select(Customer.id).where(or_(Customer.customer_id == customer_ref, Customer.id == parsed))
        query = query.where(Vehicle.customer_id.in_(owner_ids))
    if plate:
        query = query.where(Vehicle.plate.ilike(f"%{normalise_plate(plate)}%"))
    return query.order_by(Vehicle.plate)


VEHICLE_FIELDS = ("brand", "model", "year", "current_kilometers", "last_service_date", "next_service_kilometers",
                  "image_url")


def save_vehicle(vehicle: Vehicle | None, values: Mapping[str, Any]) -> Vehicle:
    owner = None
    if values.get("customer_id"):
        owner = find_customer(values["customer_id"])
        if owner is None:
            raise RecordInvalid({"customer_id": ["Unknown customer."]})
    if vehicle is None:
        vehicle = Vehicle()
        db.session.add(vehicle)
    vehicle.plate = normalise_plate(values["plate"])
    vehicle.core_vehicle_id = values.get("vehicle_id") or None
    vehicle.customer_id = owner.id if owner else None
    for name in VEHICLE_FIELDS:
        setattr(vehicle, name, values.get(name))
    vehicle.image_url = values.get("image_url") or ""
    _commit({"plate": ["A vehicle with this plate already exists."]})
    return vehicle


def vehicle_values(vehicle: Vehicle) -> dict[str, Any]:
    values = {name: getattr(vehicle, name) for name in VEHICLE_FIELDS}
    owner = vehicle.customer.customer_id if vehicle.customer else None
    return {**values, "plate": vehicle.plate, "customer_id": owner, "vehicle_id": vehicle.core_vehicle_id,
            "last_service_date": vehicle.last_service_date.isoformat() if vehicle.last_service_date else None}


# Reminders -------------------------------------------------------------------------------------
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


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
