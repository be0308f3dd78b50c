"""Customers (addressed by their core `customer_id`), channel preferences, vehicles, reminders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, RootModel, StrictBool

Channel = Literal["email", "whatsapp", "push"]
ReminderStatusName = Literal["pending", "notified", "completed", "cancelled", "overdue"]
EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PreferenceOut(BaseModel):
    channel: str
    channel_display: str
    enabled: bool
    priority: int


class PreferenceList(RootModel[list[PreferenceOut]]):
    pass


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, json_schema_extra={"examples": [{
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


class CustomerOut(BaseModel):
    id: str
    customer_id: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    whatsapp: str
    taller_id: str | None
    is_active: bool
    channel_preferences: list[PreferenceOut]
    created_at: datetime | None
    updated_at: datetime | None


class CustomerFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    search: str | None = Field(default=None, max_length=120, description="Matches name, email or phone")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: Channel
    enabled: StrictBool = True
    priority: int = Field(default=1, ge=1, le=10)


class PreferencesIn(BaseModel):
    """Channel preferences, best first by `priority` (1 = first choice)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"preferences": [
        {"channel": "whatsapp", "enabled": True, "priority": 1},
        {"channel": "email", "enabled": True, "priority": 2},
        {"channel": "push", "enabled": False, "priority": 3}]}]})

    preferences: list[PreferenceIn] = Field(min_length=1, max_length=3)


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "customer_id": "customer-001", "plate": "ABC123", "brand": "Haval", "model": "H6", "year": 2024,
        "current_kilometers": 15000}]})

    customer_id: str | None = Field(default=None, max_length=128, description="The owner's customer_id")
    plate: str = Field(min_length=1, max_length=16)
    brand: str = Field(default="", max_length=80)
    model: str = Field(default="", max_length=80)
    year: int | None = Field(default=None, ge=1900, le=2100)
    current_kilometers: int | None = Field(default=None, ge=0, le=10_000_000)
    last_service_date: date | None = None
    next_service_kilometers: int | None = Field(default=None, ge=0, le=10_000_000)
    image_url: str = Field(default="", max_length=2000)


class VehicleOut(BaseModel):
    id: str
    customer_id: str | None
    customer_name: str | None
    plate: str
    brand: str
    model: str
    year: int | None
    current_kilometers: int | None
    last_service_date: date | None
    next_service_kilometers: int | None
    image_url: str
    description: str
    phase_order: list[str] | None
    created_at: datetime | None
    updated_at: datetime | None


class VehicleList(RootModel[list[VehicleOut]]):
    pass


class VehicleFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_id: str | None = Field(default=None, max_length=128, description="The owner's customer_id")
    plate: str | None = Field(default=None, max_length=16, description="Plate contains this text")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "vehicle": "5d3c1b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "title": "Mantenimiento 20.000 km",
        "due_date": "2026-03-01", "due_kilometers": 20000, "status": "pending"}]})

    vehicle: uuid.UUID = Field(validation_alias=AliasChoices("vehicle", "vehicle_id"))
    service_type: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("service_type", "service_type_id"))
    title: str = Field(default="Mantenimiento preventivo", min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    due_date: date | None = None
    due_kilometers: int | None = Field(default=None, ge=0, le=10_000_000)
    notify_before_days: int = Field(default=7, ge=0, le=365)
    notify_before_km: int = Field(default=500, ge=0, le=100_000)
    status: ReminderStatusName = "pending"


class ReminderOut(BaseModel):
    id: str
    vehicle: str
    vehicle_plate: str
    customer_id: str
    customer_name: str
    service_type: str | None
    service_type_name: str | None
    title: str
    description: str
    due_date: date | None
    due_kilometers: int | None
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
