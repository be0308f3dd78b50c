"""A read-only, per-process snapshot of what orchestration needs (catalog, workshops, templates,
matrix), cached for SNAPSHOT_TTL_SECONDS so a dispatch costs no catalog queries.

Writes made through Avisos call `invalidate()`; other processes see them within the TTL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    NotificationTemplate, OrchestrationConfig, PhaseChannelConfig, ServicePhase, ServiceType, Workshop,
)
from app.orchestration.planning import MatrixCell, TemplateData


@dataclass(frozen=True)
class PhaseInfo:
    id: str
    slug: str
    name: str
    order: int


@dataclass(frozen=True)
class TypeInfo:
    id: str
    slug: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class WorkshopInfo:
    id: str
    code: str
    name: str
    staff_email: str
    staff_whatsapp: str
    channels: dict


@dataclass
class Snapshot:
    phases: dict[str, PhaseInfo] = field(default_factory=dict)  # by slug
    phases_by_id: dict[str, PhaseInfo] = field(default_factory=dict)
    types: dict[str, TypeInfo] = field(default_factory=dict)  # by slug
    types_by_id: dict[str, TypeInfo] = field(default_factory=dict)
    workshops: dict[str, WorkshopInfo] = field(default_factory=dict)  # by id and by code
    templates: list[TemplateData] = field(default_factory=list)
    # (target, phase_id) or (target, "event:<event_type>") -> templates: the only ones that can match
    templates_by_key: dict[tuple, list[TemplateData]] = field(default_factory=dict)
    # (service_type_id, target, workshop_id or None) -> phase_id -> cells
    matrices: dict[tuple, dict[str, list[MatrixCell]]] = field(default_factory=dict)

    def templates_for(self, target: str, phase_id: str | None, event_type: str) -> list[TemplateData]:
        key = (target, phase_id) if phase_id else (target, f"event:{event_type}")
        return self.templates_by_key.get(key, [])

    def workshop(self, ref: str | None) -> WorkshopInfo | None:
        return self.workshops.get(ref) if ref else None

    def matrix_for(self, type_ids: list[str], target: str, workshop_id: str | None) -> dict[str, list[MatrixCell]] | None:
        """The workshop's own config wins over the global one; a subtype's over its parent's."""
        for scope in ([workshop_id, None] if workshop_id else [None]):
            for type_id in type_ids:
                found = self.matrices.get((type_id, target, scope))
                if found is not None:
                    return found
        return None


_lock = threading.Lock()
_cached: tuple[float, Snapshot] | None = None


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None


def get_snapshot() -> Snapshot:
    global _cached
    ttl = current_app.config.get("SNAPSHOT_TTL_SECONDS", 2.0)
    now = time.monotonic()
    with _lock:
        if _cached is not None and _cached[0] > now:
            return _cached[1]
    snapshot = load_snapshot()
    with _lock:
        _cached = (now + ttl, snapshot)
    return snapshot


def load_snapshot() -> Snapshot:
    snap = Snapshot()
    for phase in db.session.scalars(select(ServicePhase).where(ServicePhase.is_active)):
        info = PhaseInfo(str(phase.id), phase.slug, phase.name, phase.order)
        snap.phases[phase.slug] = info
        snap.phases_by_id[info.id] = info
    for stype in db.session.scalars(select(ServiceType).where(ServiceType.is_active)):
        info = TypeInfo(str(stype.id), stype.slug, stype.name, str(stype.parent_id) if stype.parent_id else None)
        snap.types[stype.slug] = info
        snap.types_by_id[info.id] = info
    for shop in db.session.scalars(select(Workshop).where(Workshop.is_active)):
        info = WorkshopInfo(
            str(shop.id), shop.code, shop.name, shop.staff_email, shop.staff_whatsapp,
            {c: shop.channel_enabled(c) for c in ("email", "whatsapp", "push")},
        )
        snap.workshops[info.id] = info
        snap.workshops[shop.code] = info
    snap.templates = [_template_data(t) for t in db.session.scalars(
        select(NotificationTemplate).where(NotificationTemplate.is_active)
    )]
    for t in snap.templates:
        if t.phase_id or t.event_type:
            key = (t.target, t.phase_id) if t.phase_id else (t.target, f"event:{t.event_type}")
            snap.templates_by_key.setdefault(key, []).append(t)
    rows = db.session.execute(
        select(OrchestrationConfig, PhaseChannelConfig)
        .join(PhaseChannelConfig, PhaseChannelConfig.config_id == OrchestrationConfig.id)
        .where(OrchestrationConfig.is_active)
    )
    for config, cell in rows:
        key = (str(config.service_type_id), config.target, str(config.workshop_id) if config.workshop_id else None)
        cells = snap.matrices.setdefault(key, {}).setdefault(str(cell.phase_id), [])
        cells.append(MatrixCell(cell.channel, cell.enabled, str(cell.template_id) if cell.template_id else None))
    return snap


def _template_data(t: NotificationTemplate) -> TemplateData:
    def sid(value):
        return str(value) if value else None

    return TemplateData(
        id=str(t.id), name=t.name, channel=t.channel, target=t.target, subject=t.subject or "",
        body=t.body or "", html_body=t.html_body or "", service_type_id=sid(t.service_type_id),
        subtype_id=sid(t.subtype_id), phase_id=sid(t.phase_id), event_type=t.event_type,
        workshop_id=sid(t.workshop_id), is_active=t.is_active,
    )
