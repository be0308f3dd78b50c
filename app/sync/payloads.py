"""Customer and vehicle sync payloads (the reference's table projection), validated with every
problem named by field, and normalised for storage on a task.

Conventions: a field the payload omits keeps its stored value; an explicit null clears a text field
('') or a number/date (NULL); unknown fields are refused (named), never dropped.
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from app.errors import ApiError, pydantic_fields
from app.orchestration.contacts import is_valid_email, normalise_plate

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
