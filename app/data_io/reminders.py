"""Reminder upserts for the CSV import.

Natural key: (vehicle plate, service type slug or none, due date or none, due kilometres or none).
A reminder with another due date is another reminder; title, description, notice periods and
status are what an import changes on an existing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from app.data_io.schemas import ReminderRow
from app.extensions import db
from app.models import MaintenanceReminder, ServiceType, Vehicle
from app.sync import SyncOutcome

UPDATABLE = ("title", "description", "notify_before_days", "notify_before_km", "status")


LOOKUP_CHUNK = 1000  # bound parameters per IN list (PostgreSQL allows 65,535 per statement)


def vehicles_by_plate(plates: Iterable[str]) -> dict[str, Vehicle]:
    wanted = sorted(set(plates))
    found: dict[str, Vehicle] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        part = wanted[start:start + LOOKUP_CHUNK]
        found.update((v.plate, v) for v in db.session.scalars(select(Vehicle).where(Vehicle.plate.in_(part))))
    return found


def service_types_by_slug(slugs: Iterable[str]) -> dict[str, ServiceType]:
    slugs = {s for s in slugs if s}
    if not slugs:
        return {}
    return {t.slug: t for t in db.session.scalars(select(ServiceType).where(ServiceType.slug.in_(slugs)))}


def _existing(vehicle_ids: set[uuid.UUID]) -> dict[tuple, MaintenanceReminder]:
    if not vehicle_ids:
        return {}
    rows = db.session.scalars(select(MaintenanceReminder).where(MaintenanceReminder.vehicle_id.in_(vehicle_ids)))
    return {(r.vehicle_id, r.service_type_id, r.due_date, r.due_kilometers): r for r in rows}


def apply_reminders(items: Sequence[ReminderRow]) -> SyncOutcome:
    """Upsert reminders by natural key (no commit). Unknown plates or service types are errors."""
    outcome = SyncOutcome("plates", "plate")
    vehicles = vehicles_by_plate(item.plate for item in items)
    types = service_types_by_slug(item.service_type or "" for item in items)
    existing = _existing({v.id for v in vehicles.values()})
    for index, item in enumerate(items):
        outcome.keys.append(item.plate)
        vehicle = vehicles.get(item.plate)
        stype = types.get(item.service_type) if item.service_type else None
        if vehicle is None or vehicle.customer_id is None:
            outcome.fail(index, item.plate, "unknown_vehicle", f"Vehicle {item.plate} is not synced.")
            continue
        if item.service_type and stype is None:
            outcome.fail(index, item.plate, "unknown_service_type", f"No service type '{item.service_type}'.")
            continue
        key = (vehicle.id, stype.id if stype else None, item.due_date, item.due_kilometers)
        row = existing.get(key)
        if row is None:
            row = existing[key] = MaintenanceReminder(
                id=uuid.uuid4(), vehicle_id=vehicle.id, customer_id=vehicle.customer_id,
                service_type_id=key[1], due_date=item.due_date, due_kilometers=item.due_kilometers,
            )
            db.session.add(row)
            outcome.created += 1
        else:
            outcome.updated += 1
        _write(row, item)
        outcome.applied.append(item.plate)
    return outcome


def _write(row: MaintenanceReminder, item: ReminderRow) -> None:
    given = item.model_fields_set
    for column in UPDATABLE:
        if column not in given:
            continue
        value = getattr(item, column)
        if value is None:  # an empty cell puts the column's default back
            value = MaintenanceReminder.__table__.c[column].default.arg
        setattr(row, column, value)
