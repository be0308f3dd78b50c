"""Customer and vehicle sync from the core system (the reference's table projection).

The webhook validates synchronously and stores a normalised payload on a BackgroundTask; the sync
job applies it with the upserts below. Conventions:

- A field the payload omits keeps its stored value; an explicit null clears a text field ('')
  or a number/date (NULL).
- A payload whose sync_version is lower than the stored one is acknowledged but not applied
  ("skipped_stale"); an equal or absent version applies. The stored version only grows.
- A vehicle whose customer is not synced is not stored; the item is reported in the task result.
"""

from __future__ import annotations

import logging
import uuid
from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Iterable, Sequence, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator
from sqlalchemy import select

from app.dispatch import plan_waiting_events
from app.errors import ApiError, pydantic_fields
from app.extensions import db
from app.models import BackgroundTask, Customer, DispatchEvent, Vehicle
from app.models.base import utcnow
from app.models.enums import TaskStatus
from app.orchestration.contacts import is_valid_email, normalise_plate

log = logging.getLogger(__name__)

MAX_ITEMS = 1000
INT32_MAX = 2_147_483_647  # the columns are 32-bit integers on PostgreSQL
CUSTOMERS_KIND = "sync_customers"
VEHICLES_KIND = "sync_vehicles"

Version = Annotated[StrictInt, Field(ge=0, le=INT32_MAX)]
Kilometers = Annotated[StrictInt, Field(ge=0, le=INT32_MAX)]
Year = Annotated[StrictInt, Field(ge=1900, le=2100)]

def _external_id(value: Any) -> Any:
    """The core system may send its ids as integers; they are stored as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class SyncItem(BaseModel):
    """Common to customer and vehicle payloads: unknown fields refused (named), text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_id: StrictStr = Field(min_length=1, max_length=128)
    sync_version: Version | None = None

    @field_validator("customer_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return _external_id(value)

    @abstractmethod
    def changes(self) -> dict[str, Any]:
        """Column values this payload sets (omitted fields are absent)."""

    def stored(self) -> dict[str, Any]:
        """The normalised JSON kept on the task; validating it again gives the same item."""
        return self.model_dump(mode="json", exclude_unset=True)

    def is_stale_for(self, stored_version: int | None) -> bool:
        return self.sync_version is not None and self.sync_version < (stored_version or 0)


class CustomerSync(SyncItem):
    first_name: StrictStr | None = Field(default=None, max_length=120)
    last_name: StrictStr | None = Field(default=None, max_length=120)
    # The reference's example sends one `name`; it fills first_name/last_name when those are absent.
    name: StrictStr | None = Field(default=None, max_length=241)
    email: StrictStr | None = Field(default=None, max_length=254)
    phone: StrictStr | None = Field(default=None, max_length=32)
    whatsapp: StrictStr | None = Field(default=None, max_length=32)

    TEXT_COLUMNS: ClassVar[tuple[str, ...]] = ("first_name", "last_name", "email", "phone", "whatsapp")

    @field_validator("name")
    @classmethod
    def _name_fits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        first, _, rest = value.partition(" ")
        if len(first) > 120 or len(rest) > 120:
            raise ValueError("the first word and the rest must each have at most 120 characters")
        return value

    @field_validator("email")
    @classmethod
    def _email_format(cls, value: str | None) -> str | None:
        if value and not is_valid_email(value):
            raise ValueError("Enter a valid email address.")
        return value

    def changes(self) -> dict[str, Any]:
        given = self.model_fields_set
        values = {name: getattr(self, name) or "" for name in self.TEXT_COLUMNS if name in given}
        if self.name is not None:
            first, _, rest = self.name.partition(" ")
            values.setdefault("first_name", first)
            values.setdefault("last_name", rest)
        return values

    def stored(self) -> dict[str, Any]:
        # `name` is folded into first/last so the job sees exactly the columns to write.
        body: dict[str, Any] = {"customer_id": self.customer_id, **self.changes()}
        if "sync_version" in self.model_fields_set:
            body["sync_version"] = self.sync_version
        return body


class VehicleSync(SyncItem):
    id: uuid.UUID | None = None
    # The core system's own id for the vehicle (the reference's payload carries it); stored as text.
    vehicle_id: StrictStr | None = Field(default=None, min_length=1, max_length=128)
    plate: StrictStr = Field(min_length=1, max_length=16)
    brand: StrictStr | None = Field(default=None, max_length=80)
    model: StrictStr | None = Field(default=None, max_length=80)
    year: Year | None = None
    current_kilometers: Kilometers | None = None
    last_service_date: date | None = None
    next_service_kilometers: Kilometers | None = None
    image_url: StrictStr | None = Field(default=None, max_length=2048)

    TEXT_COLUMNS: ClassVar[tuple[str, ...]] = ("brand", "model", "image_url")
    VALUE_COLUMNS: ClassVar[tuple[str, ...]] = (
        "year", "current_kilometers", "last_service_date", "next_service_kilometers",
    )

    @field_validator("vehicle_id", mode="before")
    @classmethod
    def _vehicle_id_as_text(cls, value: Any) -> Any:
        return _external_id(value)

    @field_validator("plate", mode="before")
    @classmethod
    def _normalise_plate(cls, value: Any) -> Any:
        """'abc-123', 'ABC 123' and 'ABC123' are the same plate."""
        return normalise_plate(value) if isinstance(value, str) else value

    @field_validator("last_service_date", mode="before")
    @classmethod
    def _iso_date_only(cls, value: Any) -> Any:
        # Lax parsing would also take numbers as Unix timestamps; the contract is an ISO date.
        if value is None or (isinstance(value, (str, date)) and not isinstance(value, datetime)):
            return value
        raise ValueError("Enter a date as YYYY-MM-DD.")

    def changes(self) -> dict[str, Any]:
        given = self.model_fields_set
        values: dict[str, Any] = {name: getattr(self, name) or "" for name in self.TEXT_COLUMNS if name in given}
        values.update({name: getattr(self, name) for name in self.VALUE_COLUMNS if name in given})
        if "vehicle_id" in given:
            values["core_vehicle_id"] = self.vehicle_id
        return values


Item = TypeVar("Item", bound=SyncItem)


# Parsing -------------------------------------------------------------------------------------

def parse_items(payload: Any, model: type[Item]) -> tuple[list[Item], bool]:
    """One object or a list of up to MAX_ITEMS. Returns (items, was_a_list).

    Every problem is reported at once (400), named by field: 'email' for an object,
    '[3].email' for the fourth item of a list.
    """
    if isinstance(payload, dict):
        raw, many = [payload], False
    elif isinstance(payload, list):
        raw, many = payload, True
    else:
        raise ApiError(400, "invalid_body", "The body must be a JSON object or a list of objects.",
                       {"body": ["Expected a JSON object or a list of objects."]})
    if not raw:
        raise ApiError(400, "validation_error", "The list is empty.", {"body": ["Send at least one item."]})
    if len(raw) > MAX_ITEMS:
        raise ApiError(400, "too_many_items", f"At most {MAX_ITEMS} items per request.",
                       {"body": [f"Got {len(raw)} items; at most {MAX_ITEMS} are accepted per request."]})
    items: list[Item] = []
    fields: dict[str, list[str]] = {}
    for index, entry in enumerate(raw):
        prefix = f"[{index}]" if many else ""
        if not isinstance(entry, dict):
            fields[prefix or "body"] = ["Expected a JSON object."]
            continue
        try:
            items.append(model.model_validate(entry))
        except ValidationError as err:
            for name, messages in pydantic_fields(err).items():
                fields[f"{prefix}.{name}" if prefix else name] = messages
    if fields:
        raise ApiError(400, "validation_error", "The sync payload is not valid.", fields)
    return items, many


def parse_customers(payload: Any) -> tuple[list[CustomerSync], bool]:
    return parse_items(payload, CustomerSync)


def parse_vehicles(payload: Any) -> tuple[list[VehicleSync], bool]:
    return parse_items(payload, VehicleSync)


MODELS: dict[str, type[SyncItem]] = {CUSTOMERS_KIND: CustomerSync, VEHICLES_KIND: VehicleSync}


class InvalidStoredPayload(Exception):
    """A task's stored payload does not validate (written by hand, or by an older version)."""


def stored_items(kind: str, payload: Any) -> list[SyncItem]:
    """Validate a task's stored payload again; the message names the first problems."""
    if kind not in MODELS:
        raise InvalidStoredPayload(f"Unknown sync kind '{kind}'.")
    raw = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        raise InvalidStoredPayload("The stored payload has no list of items.")
    try:
        items, _ = parse_items(raw, MODELS[kind])
    except ApiError as err:
        problems = [f"{name}: {'; '.join(messages)}" for name, messages in list(err.fields.items())[:3]]
        raise InvalidStoredPayload("The stored payload is not valid: " + " | ".join(problems)) from None
    return items


# Tasks ---------------------------------------------------------------------------------------

def queue_task(kind: str, items: Sequence[SyncItem]) -> str:
    """Store the normalised payload as a PENDING task and commit. Returns the task id.

    The caller enqueues the job after this commit, so the job always finds its row.
    """
    task = BackgroundTask(id=uuid.uuid4(), kind=kind, status=TaskStatus.PENDING, error="",
                          payload={"items": [item.stored() for item in items]})
    db.session.add(task)
    db.session.commit()
    return str(task.id)


def get_task(task_id: str) -> BackgroundTask | None:
    """The task with this id; None for an unknown id or one that is not a UUID."""
    try:
        key = uuid.UUID(task_id)
    except (ValueError, TypeError):
        return None
    return db.session.get(BackgroundTask, key)


# Upserts -------------------------------------------------------------------------------------

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
