"""Internal (service-to-service) sync bodies: the phase catalogue and a vehicle's phase order, in the
reference's shapes (its names; Avisos' earlier ones as aliases). Unknown fields are refused."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictInt

Slug = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
SyncVersion = Field(default=None, ge=0, le=2_147_483_647, description="The core's version of this data (recorded on the task)")


class PhaseItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Slug
    name: str = Field(min_length=1, max_length=120)
    order: int = Field(ge=0, le=10_000)
    icon: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=2000)
    is_active: StrictBool | None = None


class PhasesSyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"sync_mode": "partial", "phases": [
        {"slug": "phase-schedule", "name": "Agendar Cita", "order": 1, "icon": "Calendar"},
        {"slug": "phase-reception", "name": "Recepción", "order": 2, "icon": "ClipboardCheck"}], "sync_version": 2}]})

    sync_mode: Literal["full", "partial"] = "partial"
    phases: list[PhaseItem] = Field(max_length=200)
    sync_version: StrictInt | None = SyncVersion


class PhasesSyncOut(BaseModel):
    status: str
    message: str
    task_id: str
    phases_count: int
    sync_mode: str
    created: list[str]
    updated: list[str]
    deactivated: list[str]


class VehiclePhaseRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                      validation_alias=AliasChoices("phase_slug", "slug"))
    order: int = Field(default=0, ge=0, le=10_000)
    is_active: StrictBool = Field(default=True, description="False leaves the phase out of the vehicle's order")


class VehiclePhasesIn(BaseModel):
    """The vehicle's own phase order: the reference's `{phase_slug, order, is_active}` objects (or
    slugs in order). `full` replaces the order, `partial` changes only the phases sent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sync_mode": "full", "phases": [
            {"phase_slug": "phase-schedule", "order": 1, "is_active": True},
            {"phase_slug": "phase-reception", "order": 2, "is_active": True},
            {"phase_slug": "phase-delivery", "order": 3, "is_active": True}], "sync_version": 1}]})

    sync_mode: Literal["full", "partial"] = "full"
    phases: list[str | VehiclePhaseRef] = Field(max_length=100)
    sync_version: StrictInt | None = SyncVersion


class VehiclePhasesOut(BaseModel):
    status: str
    message: str
    task_id: str
    plate: str
    phases_count: int
    phase_order: list[str]
