"""Notification templates: the write body, the representation, filters, preview and lookup."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, RootModel, StrictBool

from app.api.schemas.common import WriteModel
from app.channels import ChannelName as Channel
from app.models.enums import TARGETS

Target = Literal[TARGETS]  # type: ignore[valid-type]


class TemplateIn(WriteModel):
    """Create / replace a template (PATCH sends any subset; the rest keeps its stored value).
    Unknown fields are refused; the representation's read-only fields may be sent back."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "name": "Recepción - WhatsApp", "channel": "whatsapp", "target": "clients",
        "service_type": "0b9f6a8e-2f55-4b6e-9c1c-5b8f0b1c2d3e", "phase": "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
        "subtype": None, "taller_id": None, "subject": "",
        "body": "Hola {{Nombre}}, recibimos tu {{Vehículo}} ({{Placa}}).", "is_default": False, "is_active": True}]})
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({
        "id", "channel_display", "target_display", "service_type_name", "subtype_name", "phase_name",
        "variables", "preview", "created_at", "updated_at"})

    name: str = Field(min_length=1, max_length=200)
    channel: Channel
    target: Target = "clients"
    event_type: str | None = Field(default=None, max_length=64)
    service_type: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("service_type", "service_type_id"))
    phase: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("phase", "phase_id"))
    subtype: uuid.UUID | None = Field(default=None, validation_alias=AliasChoices("subtype", "subtype_id"))
    taller_id: str | None = Field(default=None, max_length=100, validation_alias=AliasChoices("taller_id", "workshop_id"),
                                  description="A workshop's id or code; null = global")
    subject: str | None = Field(default="", max_length=255)
    body: str = Field(min_length=1, max_length=20000)
    html_body: str = Field(default="", max_length=100000)
    is_default: StrictBool = False
    is_active: StrictBool = True


class TemplateOut(BaseModel):
    id: str
    name: str
    channel: str
    channel_display: str
    target: str
    target_display: str
    event_type: str | None
    service_type_id: str | None
    service_type: str | None = Field(description="Same as service_type_id (Avisos' earlier name)")
    service_type_name: str | None
    subtype_id: str | None
    subtype: str | None = Field(description="Same as subtype_id")
    subtype_name: str | None
    phase_id: str | None
    phase: str | None = Field(description="Same as phase_id")
    phase_name: str | None
    taller_id: str | None
    subject: str
    body: str
    html_body: str
    variables: list[str]
    preview: str = Field(description="The body rendered with sample values")
    is_default: bool
    is_active: bool
    created_at: datetime | None
    updated_at: datetime | None


class TemplateFilters(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: Channel | None = None
    target: Target | None = None
    service_type_id: uuid.UUID | None = None
    phase_id: uuid.UUID | None = None
    subtype_id: uuid.UUID | None = Field(default=None, description="This subtype's templates and the generic ones")
    taller_id: uuid.UUID | Literal["null"] | None = Field(default=None, description="A workshop id, or `null` for global templates")
    is_active: bool | None = None
    is_default: bool | None = None
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=100)


class PreviewIn(BaseModel):
    """Render a stored template (`template_id`) or the given texts with `context`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "subject": "Tu cita", "body": "Hola {{Nombre}}, tu cita es el {{Fecha}} a las {{Hora}}.",
        "channel": "email", "context": {"Nombre": "Carlos Mendoza", "Fecha": "20 de Enero, 2026", "Hora": "14:30"}}]})

    template_id: uuid.UUID | None = None
    channel: Channel = "whatsapp"
    subject: str = Field(default="", max_length=255)
    body: str = Field(default="", max_length=20000)
    html_body: str = Field(default="", max_length=100000)
    context: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    use_sample_context: StrictBool = Field(default=False, description="Fill missing variables with sample values")


class PreviewOut(BaseModel):
    preview: str = Field(description="The rendered body (the reference's only field)")
    subject: str
    body: str
    html_body: str
    variables: list[str]


class VariableOut(BaseModel):
    id: str = Field(description="The normalised name (the reference's id)")
    label: str = Field(description="The placeholder as written in templates")
    name: str
    placeholder: str
    description: str
    example: str
    filled_by_avisos: bool


class ForContextQuery(BaseModel):
    """The reference's names (`service_type_id`, `phase_id`, `subtype_id`) or Avisos' earlier ones;
    ids or slugs."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "service_type_id": "mantenimiento-preventivo", "phase_id": "phase-schedule", "channel": "email",
        "target": "clients"}]})

    service_type: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("service_type_id", "service_type"),
                              description="Service type id or slug")
    phase: str = Field(min_length=1, max_length=64, validation_alias=AliasChoices("phase_id", "phase"),
                       description="Phase id or slug")
    channel: Channel
    target: Target = "clients"
    subtype: str | None = Field(default=None, max_length=64, validation_alias=AliasChoices("subtype_id", "subtype"),
                                description="Subtype id or slug: its templates and the generic ones")
    taller_id: uuid.UUID | None = None


class VariableList(RootModel[list[VariableOut]]):
    pass


class TemplateList(RootModel[list[TemplateOut]]):
    pass


class TemplateVersionOut(BaseModel):
    """One saved version of a template (every save keeps one; the newest is the current text)."""

    id: uuid.UUID
    template_id: uuid.UUID | None
    number: int
    name: str
    subject: str
    body: str
    html_body: str
    is_active: bool
    created_by: str = Field(description='Who saved it: a console user\'s email, "api:<key name>", "cli" or "system"')
    restored_from: int | None = Field(description="The version number this save restored, if it was a restore")
    created_at: datetime | None


class TemplateVersionList(RootModel[list[TemplateVersionOut]]):
    pass
