"""Customers (addressed by their core `customer_id`), channel preferences, vehicles, reminders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, RootModel, StrictBool, field_validator

from app.api.schemas.common import WriteModel
from app.channels import ChannelName as Channel
from app.models.enums import ReminderStatus, ReminderType

ReminderStatusName = Literal[ReminderStatus.ALL]  # type: ignore[valid-type]
ReminderTypeName = Literal[ReminderType.ALL]  # type: ignore[valid-type]
EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PreferenceOut(BaseModel):
    id: str
    channel: str
    channel_display: str
    enabled: bool
    priority: int


class PreferenceList(RootModel[list[PreferenceOut]]):
    pass


class CustomerIn(WriteModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "customer_id": "customer-001", "first_name": "Carlos", "last_name": "Mendoza",
        "email": "carlos@example.com", "phone": "+593991234567"}]})

    customer_id: str | None = Field(default=None, min_length=1, max_length=128,
                                    description="The core system's id (required on create)")
    first_name: str = Field(default="", max_length=120)
    last_name: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=254, pattern=EMAIL_PATTERN)
    phone: str = Field(default="", max_length=32)
    whatsapp: str = Field(default="", max_length=32)
    taller_id: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("taller_id", "workshop_id"))
    is_active: StrictBool = True
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"id", "full_name", "channel_preferences", "created_at",
                                                     "updated_at"})

    @field_validator("email", "phone", "whatsapp", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class CustomerOut(BaseModel):
    id: str
    customer_id: str
    first_name: str
    last_name: str
    full_name: str
    email: str | None
    phone: str | None
    whatsapp: str | None
    taller_id: str | None
    is_active: bool
    channel_preferences: list[PreferenceOut]
    created_at: datetime | None
    updated_at: datetime | None


class CustomerFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    search: str | None = Field(default=None, max_length=120, description=(
        "Matches name (accents and case ignored), email, customer_id, phone (national or international "
        "form) or the plate/model of one of the customer's vehicles (dashes and spaces ignored)"))
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class PreferenceIn(WriteModel):
    model_config = ConfigDict(extra="forbid")

    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"channel_display"})

    id: uuid.UUID | None = Field(default=None, description="When sent, must be this channel's preference id")
    channel: Channel
    enabled: StrictBool = True
    priority: int = Field(default=1, ge=1, le=10)


class PreferencesIn(BaseModel):
    """Channel preferences, best first by `priority` (1 = first choice): the reference's `channels`,
    or `preferences`, or a bare list. Channels not listed keep their setting."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"channels": [
        {"channel": "whatsapp", "enabled": True, "priority": 1},
        {"channel": "push", "enabled": False, "priority": 2},
        {"channel": "email", "enabled": True, "priority": 3}]}]})

    preferences: list[PreferenceIn] = Field(min_length=1, max_length=3,
                                            validation_alias=AliasChoices("channels", "preferences"))


class VehicleIn(WriteModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "customer_id": "customer-001", "plate": "ABC123", "brand": "Haval", "model": "H6", "year": 2024,
        "current_kilometers": 15000}]})
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({
        "id", "customer_name", "display_name", "remaining_km", "description", "phase_order", "created_at",
        "updated_at"})

    vehicle_id: str | None = Field(default=None, max_length=128, description="The core system's id for the vehicle")
    customer_id: str | None = Field(default=None, max_length=128, description="The owner's customer_id")
    plate: str = Field(min_length=1, max_length=16)
    brand: str = Field(default="", max_length=80)
    model: str = Field(default="", max_length=80)
    year: int | None = Field(default=None, ge=1900, le=2100)
    current_kilometers: int | None = Field(default=None, ge=0, le=10_000_000)
    last_service_date: date | None = None
    next_service_kilometers: int | None = Field(default=None, ge=0, le=10_000_000)
    image_url: str | None = Field(default="", max_length=2000)


class VehicleOut(BaseModel):
    id: str
    vehicle_id: str | None = Field(description="The core system's id for the vehicle")
    customer_id: str | None
    customer_name: str | None
    plate: str
    brand: str
    model: str
    year: int | None
    display_name: str = Field(description='"brand model year"')
    current_kilometers: int
    last_service_date: date | None
    next_service_kilometers: int | None
    remaining_km: int | None = Field(description="max(0, next_service_kilometers - current_kilometers); null without a target")
    image_url: str | None
    description: str
    phase_order: list[str] | None
    created_at: datetime | None
    updated_at: datetime | None


class VehicleList(RootModel[list[VehicleOut]]):
    pass


class VehicleFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_id: str | None = Field(default=None, max_length=128, description="The owner's customer_id")
    plate: str | None = Field(default=None, max_length=16,
                              description="Plate contains this text (dashes, spaces and case ignored)")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class ReminderIn(WriteModel):
    """A maintenance reminder in the reference's names (`type`, `target_date`, `target_kilometers`,
    `notify_via`) or Avisos' (`due_date`, `due_kilometers`). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "vehicle": "5d3c1b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "customer_id": "customer-001", "type": "both",
        "description": "Cambio de aceite", "target_kilometers": 20000, "target_date": "2027-03-01",
        "notify_via": ["email", "whatsapp"], "notify_before_days": 7, "notify_before_km": 500}]})
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({
        "id", "vehicle_plate", "vehicle_display", "customer_name", "type_display", "status_display",
        "service_type_name", "last_notified_at", "notified_count", "completed_at", "created_at", "updated_at"})

    vehicle: uuid.UUID = Field(validation_alias=AliasChoices("vehicle", "vehicle_id"))
    customer_id: str | None = Field(default=None, max_length=128,
                                    description="The vehicle owner's customer_id (checked against the vehicle)")
    type: ReminderTypeName | None = Field(default=None, description="What triggers it; default: the targets given")
    service_type: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("service_type", "service_type_id"))
    title: str = Field(default="Mantenimiento preventivo", min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    due_date: date | None = Field(default=None, validation_alias=AliasChoices("due_date", "target_date"))
    due_kilometers: int | None = Field(default=None, ge=0, le=10_000_000,
                                       validation_alias=AliasChoices("due_kilometers", "target_kilometers"))
    notify_via: list[Channel] = Field(default_factory=list, max_length=3,
                                      description="Channels for this reminder; empty: the customer's best channel")
    notify_before_days: int = Field(default=7, ge=0, le=365)
    notify_before_km: int = Field(default=500, ge=0, le=100_000)
    status: ReminderStatusName = "pending"

    @field_validator("notify_via", mode="before")
    @classmethod
    def _null_is_no_channel(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("notify_before_days", "notify_before_km", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info) -> Any:
        # The reference allows null, meaning its default (7 days, 500 km).
        return cls.model_fields[info.field_name].default if value is None else value

    @field_validator("notify_via")
    @classmethod
    def _each_channel_once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("Each channel may appear once.")
        return value


class ReminderOut(BaseModel):
    id: str
    vehicle: str
    vehicle_plate: str
    vehicle_display: str
    customer_id: str
    customer_name: str
    type: ReminderTypeName
    type_display: str
    service_type: str | None
    service_type_name: str | None
    title: str
    description: str
    target_date: date | None
    target_kilometers: int | None
    due_date: date | None = Field(description="Same as target_date")
    due_kilometers: int | None = Field(description="Same as target_kilometers")
    notify_via: list[Channel]
    notify_before_days: int
    notify_before_km: int
    status: str
    status_display: str
    last_notified_at: datetime | None
    notified_count: int
    completed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


class ReminderList(RootModel[list[ReminderOut]]):
    pass


class ReminderStatusFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: ReminderStatusName | None = None


class ReminderFilters(ReminderStatusFilter):
    customer_id: str | None = Field(default=None, max_length=128, description="The customer's customer_id")
    vehicle_id: uuid.UUID | None = None
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)
