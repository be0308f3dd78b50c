"""Customer and vehicle upserts with the sync rules, shared by the internal sync API's tasks, pull-sync
and the CSV import.

- A payload whose sync_version is lower than the stored one is acknowledged but not applied
  ("skipped_stale"); an equal or absent version applies. The stored version only grows.
- A vehicle whose customer is not synced is not stored; the item is reported in the outcome.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select

from app.dispatch import plan_waiting_events
from app.extensions import db
from app.models import Customer, DispatchEvent, Vehicle
from app.models.base import utcnow
from app.sync.payloads import CUSTOMERS_KIND, VEHICLES_KIND, CustomerSync, VehicleSync

log = logging.getLogger(__name__)


@dataclass
class SyncOutcome:
    """What a sync did, item by item; `result()` is what the task stores."""

    key_name: str  # "customer_ids" or "plates"
    item_key: str  # "customer_id" or "plate"
    created: int = 0
    updated: int = 0
    keys: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def fail(self, index: int, key: str, code: str, message: str) -> None:
        self.errors.append({"index": index, self.item_key: key, "code": code, "message": message})

    @property
    def all_failed(self) -> bool:
        return bool(self.errors) and len(self.errors) == len(self.keys)

    def summary(self) -> str:
        """A short, human message for a task where no item could be applied."""
        first = "; ".join(e["message"] for e in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        return first + more

    def result(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "skipped_stale": len(self.skipped),
            "failed": len(self.errors), self.key_name: self.keys, "skipped_stale_" + self.key_name: self.skipped,
            "errors": self.errors,
        }


def _write(row: Customer | Vehicle, changes: dict[str, Any], version: int | None, now: datetime) -> None:
    for column, value in changes.items():
        setattr(row, column, value)
    if version is not None:
        row.sync_version = max(row.sync_version or 0, version)
    row.last_synced_at = now


def _customers_by_ref(refs: Iterable[str]) -> dict[str, Customer]:
    refs = set(refs)
    if not refs:
        return {}
    rows = db.session.scalars(select(Customer).where(Customer.customer_id.in_(refs)))
    return {row.customer_id: row for row in rows}


def apply_customers(items: Sequence[CustomerSync]) -> SyncOutcome:
    """Upsert customers by customer_id (no commit). Later items of the same id see earlier ones."""
    outcome = SyncOutcome("customer_ids", "customer_id")
    existing = _customers_by_ref(item.customer_id for item in items)
    now = utcnow()
    for item in items:
        outcome.keys.append(item.customer_id)
        row = existing.get(item.customer_id)
        if row is not None and item.is_stale_for(row.sync_version):
            outcome.skipped.append(item.customer_id)
            continue
        if row is None:
            row = existing[item.customer_id] = Customer(id=uuid.uuid4(), customer_id=item.customer_id, sync_version=0)
            db.session.add(row)
            outcome.created += 1
        else:
            outcome.updated += 1
        _write(row, item.changes(), item.sync_version, now)
        outcome.applied.append(item.customer_id)
    return outcome


def _vehicles_by(column, keys: Iterable[Any]) -> dict[Any, Vehicle]:
    keys = set(keys)
    if not keys:
        return {}
    return {getattr(row, column.key): row for row in db.session.scalars(select(Vehicle).where(column.in_(keys)))}


def _find_vehicle(item: VehicleSync, by_id: dict, by_plate: dict) -> tuple[Vehicle | None, tuple[str, str] | None]:
    """The vehicle this item addresses: by id when given, else by plate. Returns (row, problem)."""
    if item.id is None:
        return by_plate.get(item.plate), None
    row = by_id.get(item.id)
    if row is None:
        return None, ("vehicle_not_found", f"No vehicle with id {item.id}; vehicle {item.plate} was not stored.")
    holder = by_plate.get(item.plate)
    if holder is not None and holder is not row:
        return None, ("plate_taken",
                      f"Plate {item.plate} belongs to another vehicle; vehicle {item.id} was not changed.")
    return row, None


def apply_vehicles(items: Sequence[VehicleSync]) -> SyncOutcome:
    """Upsert vehicles by id (when given) or plate (no commit). A vehicle whose customer is not
    synced is not stored; it is reported as an error with code 'unknown_customer'."""
    outcome = SyncOutcome("plates", "plate")
    owners = _customers_by_ref(item.customer_id for item in items)
    by_id = _vehicles_by(Vehicle.id, (item.id for item in items if item.id))
    by_plate = _vehicles_by(Vehicle.plate, (item.plate for item in items))
    now = utcnow()
    for index, item in enumerate(items):
        outcome.keys.append(item.plate)
        row, problem = _find_vehicle(item, by_id, by_plate)
        if problem:
            outcome.fail(index, item.plate, *problem)
            continue
        if row is not None and item.is_stale_for(row.sync_version):
            outcome.skipped.append(item.plate)
            continue
        owner = owners.get(item.customer_id)
        if owner is None:
            outcome.fail(index, item.plate, "unknown_customer",
                         f"Customer '{item.customer_id}' is not synced; vehicle {item.plate} was not stored.")
            continue
        if row is None:
            row = Vehicle(id=uuid.uuid4(), plate=item.plate, sync_version=0)
            db.session.add(row)
            outcome.created += 1
        else:
            outcome.updated += 1
        _link_and_write(row, item, owner, by_id, by_plate, now)
        outcome.applied.append(item.plate)
    return outcome


def _link_and_write(row: Vehicle, item: VehicleSync, owner: Customer, by_id: dict, by_plate: dict,
                    now: datetime) -> None:
    renamed = row.plate != item.plate
    if renamed:
        by_plate.pop(row.plate, None)
        row.plate = item.plate
    by_plate[item.plate] = row
    row.customer_id = owner.id
    _write(row, item.changes(), item.sync_version, now)
    if renamed:
        # The flush writes UPDATEs in primary-key order, not in the order of the batch: flushing a
        # plate change now keeps a plate freed earlier in the batch from colliding with its new owner.
        db.session.flush()
    by_id[row.id] = row


APPLY = {CUSTOMERS_KIND: apply_customers, VEHICLES_KIND: apply_vehicles}


def plan_waiting_for(customer_refs: Iterable[str]) -> int:
    """After the customers' commit: plan the dispatches that were waiting for them.

    A failure here never undoes the sync; the event stays waiting (and the sweeper expires it
    visibly if it never gets planned).
    """
    refs = list(dict.fromkeys(customer_refs))
    if not refs:
        return 0
    waiting = set(db.session.scalars(
        select(DispatchEvent.customer_ref).where(DispatchEvent.status == "waiting_for_customer",
                                                 DispatchEvent.customer_ref.in_(refs)).distinct()
    ))
    planned = 0
    for ref in (r for r in refs if r in waiting):
        try:
            planned += plan_waiting_events(ref)
        except Exception:  # noqa: BLE001 - one customer's events must not stop the others
            db.session.rollback()
            log.exception("planning the events waiting for a synced customer failed (customer_ref=%s)", ref)
    return planned
