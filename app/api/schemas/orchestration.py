"""Orchestration configs and their phase x channel matrix."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool

from app.api.schemas.common import WriteModel
from app.channels import ChannelName
from app.models.enums import TARGETS

Target = Literal[TARGETS]  # type: ignore[valid-type]


class ConfigIn(WriteModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "service_type": "0b9f6a8e-2f55-4b6e-9c1c-5b8f0b1c2d3e", "target": "clients", "taller_id": None,
        "description": "Clientes - mantenimiento", "is_active": True}]})

    service_type: uuid.UUID = Field(validation_alias=AliasChoices("service_type", "service_type_id"))
    target: Target = "clients"
    taller_id: str | None = Field(default=None, max_length=100, validation_alias=AliasChoices("taller_id", "workshop_id"),
                                  description="A workshop's id or code; null = global")
    description: str = Field(default="", max_length=2000)
    is_active: StrictBool = True
    strategy: Literal["all", "first_available"] = Field(
        default="all", description="all: every enabled channel; first_available: the customer's first usable "
                                   "channel, the next one only when it fails for good (docs/ORCHESTRATION.md)")
    reminder_hours_before: int | None = Field(
        default=None, ge=1, le=24 * 30, description="appointment_scheduled events also schedule an "
                                                    "appointment_reminder this many hours before the appointment")
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({
        "id", "service_type_name", "target_display", "phase_configs", "created_at", "updated_at"})


class PhaseConfigOut(BaseModel):
    id: str
    phase: str
    phase_name: str
    phase_slug: str
    phase_order: int
    channel: str
    channel_display: str
    enabled: bool
    template: str | None
    template_name: str | None


class ConfigOut(BaseModel):
    id: str
    service_type: str
    service_type_name: str
    target: str
    target_display: str
    taller_id: str | None
    description: str
    is_active: bool
    strategy: str
    reminder_hours_before: int | None
    phase_configs: list[PhaseConfigOut]
    created_at: datetime | None
    updated_at: datetime | None


class ConfigFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    service_type_id: uuid.UUID | None = None
    target: Target | None = None
    taller_id: uuid.UUID | Literal["null"] | None = Field(default=None, description="A workshop id, or `null` for global configs")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class MatrixCellIn(WriteModel):
    model_config = ConfigDict(extra="forbid")
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({
        "id", "phase_name", "phase_slug", "phase_order", "channel_display", "template_name"})

    phase: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("phase", "phase_id"),
                       description="Phase id or slug")
    channel: ChannelName
    enabled: StrictBool = True
    template: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("template", "template_id"),
                                       description="A template id; null = chosen automatically")


class MatrixIn(BaseModel):
    """The whole matrix (or any cells of it) in one atomic request."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"configs": [
        {"phase": "phase-schedule", "channel": "email", "enabled": True, "template": None},
        {"phase": "phase-schedule", "channel": "whatsapp", "enabled": False, "template": None}]}]})

    configs: list[MatrixCellIn] = Field(max_length=500)
