"""Catalog, service phases and service types (read-only)."""

from __future__ import annotations

from pydantic import BaseModel


class CatalogSubtype(BaseModel):
    slug: str
    name: str
    icon: str


class CatalogServiceType(BaseModel):
    slug: str
    name: str
    icon: str
    subtypes: list[CatalogSubtype] | None = None


class CatalogPhase(BaseModel):
    slug: str
    name: str
    icon: str
    order: int


class Catalog(BaseModel):
    service_types: list[CatalogServiceType]
    phases: list[CatalogPhase]


class PhaseOut(BaseModel):
    id: str
    slug: str
    name: str
    description: str
    icon: str
    order: int
    is_active: bool


class SubtypeOut(BaseModel):
    id: str
    slug: str
    name: str
    description: str
    icon: str
    order: int
    is_active: bool
    parent: str | None


class ServiceTypeOut(SubtypeOut):
    subtypes: list[SubtypeOut]
