"""Internal (service-to-service) sync bodies: the phase catalogue and a vehicle's phase order."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Slug = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")


class PhaseItem(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    slug: str = Slug
    name: str = Field(min_length=1, max_length=120)
    order: int = Field(ge=0, le=10_000)
    icon: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=2000)
    is_active: StrictBool | None = None


class PhasesSyncIn(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"sync_mode": "partial", "phases": [
        {"slug": "phase-schedule", "name": "Agendar Cita", "order": 1, "icon": "Calendar"},
        {"slug": "phase-reception", "name": "Recepción", "order": 2, "icon": "ClipboardCheck"}]}]})

    sync_mode: Literal["full", "partial"] = "partial"
    phases: list[PhaseItem] = Field(max_length=200)


class PhasesSyncOut(BaseModel):
    status: str
    sync_mode: str
    created: list[str]
    updated: list[str]
    deactivated: list[str]


class VehiclePhaseRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    slug: str = Slug
    order: int = Field(default=0, ge=0, le=10_000)


class VehiclePhasesIn(BaseModel):
    """The vehicle's own phase order: slugs in order, or objects with slug and order."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "phases": ["phase-schedule", "phase-reception", "phase-repair", "phase-delivery"]}]})

    phases: list[str | VehiclePhaseRef] = Field(max_length=100)


class VehiclePhasesOut(BaseModel):
    plate: str
    phase_order: list[str]
