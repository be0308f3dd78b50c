"""Load the initial data (catalog, default templates, default orchestration matrix) in one transaction.

Idempotent: rows are matched by natural keys and, without `force`, existing rows are never touched,
so staff edits survive a re-run; only what is missing is created. With `force` the seeded rows are
restored to their defaults in place (phases and types; global seeded templates; global configs for
the top-level types and all their cells). Restoring in place rather than deleting and recreating
keeps row ids stable, so notifications keep their template link and workshop matrices that chose a
global template keep their choice. In force mode, extra global rows carrying a seeded template's
name are deleted as duplicates; global templates staff created under their own names, and every
workshop-specific row, are never touched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import select

from app.catalog import snapshot
from app.catalog.seed_data.catalog import PHASES, SERVICE_TYPES, SUBTYPES, PhaseSeed, ServiceTypeSeed
from app.catalog.seed_data.matrix import ConfigSeed, config_seeds
from app.catalog.seed_data.templates import TemplateSeed, all_templates
from app.extensions import db
from app.models import NotificationTemplate, OrchestrationConfig, PhaseChannelConfig, ServicePhase, ServiceType

# kind -> (label, grammatical gender of the label) for the Spanish summary
KINDS: dict[str, tuple[str, str]] = {
    "phases": ("Fases", "f"),
    "service_types": ("Tipos de servicio", "m"),
    "subtypes": ("Subtipos", "m"),
    "templates": ("Plantillas", "f"),
    "configs": ("Configuraciones de orquestación", "f"),
    "cells": ("Celdas de la matriz", "f"),
}


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0  # force only: an existing row differed from the default and was restored
    deleted: int = 0  # force only: same-name duplicates of a seeded template
    existing: int = 0  # matched and left as it was

    @property
    def total(self) -> int:
        """Rows of this kind the seed accounts for after the run."""
        return self.created + self.updated + self.existing


@dataclass
class SeedReport:
    force: bool = False
    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})

    def __getitem__(self, kind: str) -> KindCounts:
        return self.counts[kind]

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in self.counts.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {kind: vars(c).copy() for kind, c in self.counts.items()}

    def summary(self) -> str:
        """Multi-line Spanish text, e.g. 'Fases: 5 creadas, 0 existentes'."""
        title = "Datos iniciales restaurados (--force):" if self.force else "Datos iniciales:"
        lines = [title]
        for kind, (label, gender) in KINDS.items():
            c = self.counts[kind]
            end = "as" if gender == "f" else "os"
            parts = [f"{c.created} cread{end}"]
            if self.force or c.updated:
                parts.append(f"{c.updated} actualizad{end}")
            if self.force or c.deleted:
                parts.append(f"{c.deleted} eliminad{end}")
            parts.append(f"{c.existing} existentes")
            lines.append(f"  {label}: {', '.join(parts)}")
        if not self.changed:
            lines.append("Sin cambios: todo coincidía con los valores predeterminados." if self.force
                         else "Sin cambios: todo estaba cargado.")
        return "\n".join(lines)


def seed_initial_data(force: bool = False) -> SeedReport:
    """Create what is missing (or, with `force`, also restore the defaults) and commit once."""
    report = SeedReport(force=force)
    try:
        phases = _seed_phases(report, force)
        types = _seed_types(report, force)
        db.session.flush()
        _seed_templates(report, force, phases, types)
        db.session.flush()
        _seed_matrix(report, force, phases, types)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    snapshot.invalidate()
    return report


# --- helpers ---------------------------------------------------------------------------------------


def _restore(row: Any, values: dict[str, Any]) -> bool:
    """Set the columns that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _record_existing(report: SeedReport, kind: str, row: Any, values: dict[str, Any], force: bool) -> None:
    if force and _restore(row, values):
        report[kind].updated += 1
    else:
        report[kind].existing += 1


def _by_slug(model, slugs: Iterable[str]) -> dict[str, Any]:
    rows = db.session.scalars(select(model).where(model.slug.in_(list(slugs))))
    return {row.slug: row for row in rows}


# --- catalog ---------------------------------------------------------------------------------------


def _phase_values(seed: PhaseSeed) -> dict[str, Any]:
    return {"name": seed.name, "icon": seed.icon, "order": seed.order, "description": seed.description,
            "is_active": True}


def _seed_phases(report: SeedReport, force: bool) -> dict[str, ServicePhase]:
    existing = _by_slug(ServicePhase, (p.slug for p in PHASES))
    phases = {}
    for seed in PHASES:
        row = existing.get(seed.slug)
        if row is None:
            row = ServicePhase(slug=seed.slug, **_phase_values(seed))
            db.session.add(row)
            report["phases"].created += 1
        else:
            _record_existing(report, "phases", row, _phase_values(seed), force)
        phases[seed.slug] = row
    return phases


def _type_values(seed: ServiceTypeSeed, parent: ServiceType | None) -> dict[str, Any]:
    return {"name": seed.name, "icon": seed.icon, "order": seed.order, "description": seed.description,
            "is_active": True, "parent_id": parent.id if parent else None}


def _seed_types(report: SeedReport, force: bool) -> dict[str, ServiceType]:
    existing = _by_slug(ServiceType, (t.slug for t in (*SERVICE_TYPES, *SUBTYPES)))
    types: dict[str, ServiceType] = {}
    for kind, seeds in (("service_types", SERVICE_TYPES), ("subtypes", SUBTYPES)):
        for seed in seeds:
            parent = types[seed.parent_slug] if seed.parent_slug else None
            values = _type_values(seed, parent)
            row = existing.get(seed.slug)
            if row is None:
                # Explicit id (values carry parent_id before any flush) plus the relationship, so the
                # flush inserts a parent before its subtypes.
                row = ServiceType(id=uuid.uuid4(), slug=seed.slug, parent=parent, **values)
                db.session.add(row)
                report[kind].created += 1
            else:
                _record_existing(report, kind, row, values, force)
            types[seed.slug] = row
    return types


# --- templates -------------------------------------------------------------------------------------


def _template_key(row: NotificationTemplate) -> tuple:
    return (row.channel, row.target, row.service_type_id, row.subtype_id, row.phase_id, row.event_type)


def _resolved_key(seed: TemplateSeed, phases: dict[str, ServicePhase], types: dict[str, ServiceType]) -> tuple:
    def type_id(slug: str | None):
        return types[slug].id if slug else None

    return (seed.channel, seed.target, type_id(seed.service_type), type_id(seed.subtype),
            phases[seed.phase].id if seed.phase else None, seed.event_type)


def _template_values(seed: TemplateSeed, key: tuple) -> dict[str, Any]:
    channel, target, service_type_id, subtype_id, phase_id, event_type = key
    return {"name": seed.name, "channel": channel, "target": target, "service_type_id": service_type_id,
            "subtype_id": subtype_id, "phase_id": phase_id, "event_type": event_type, "subject": seed.subject,
            "body": seed.body, "html_body": "", "is_active": True}


def _match_templates(seeds: list[TemplateSeed], keys: dict[str, tuple]) -> dict[str, list[NotificationTemplate]]:
    """Seed name -> the global rows that stand for it: every row with its name or, when there is
    none, the oldest row with its natural key (a seeded row staff renamed). Two passes, so a row is
    never claimed twice. Rows beyond the first are same-name duplicates."""
    rows = list(db.session.scalars(
        select(NotificationTemplate).where(NotificationTemplate.workshop_id.is_(None))
        .order_by(NotificationTemplate.created_at, NotificationTemplate.id)
    ))
    claimed: set = set()
    matches: dict[str, list[NotificationTemplate]] = {}
    for seed in seeds:
        found = [r for r in rows if r.name == seed.name and r.id not in claimed]
        claimed.update(r.id for r in found)
        matches[seed.name] = found
    for seed in seeds:
        if matches[seed.name]:
            continue
        # Only the oldest: other rows with this key have their own names, so staff made them.
        found = [r for r in rows if _template_key(r) == keys[seed.name] and r.id not in claimed][:1]
        claimed.update(r.id for r in found)
        matches[seed.name] = found
    return matches


def _seed_templates(report: SeedReport, force: bool, phases: dict[str, ServicePhase],
                    types: dict[str, ServiceType]) -> None:
    seeds = all_templates()
    keys = {seed.name: _resolved_key(seed, phases, types) for seed in seeds}
    matches = _match_templates(seeds, keys)
    counts = report["templates"]
    for seed in seeds:
        values = _template_values(seed, keys[seed.name])
        found = matches[seed.name]
        if not found:
            db.session.add(NotificationTemplate(**values))
            counts.created += 1
            continue
        _record_existing(report, "templates", found[0], values, force)
        if force:
            for duplicate in found[1:]:
                # Notifications and matrix cells pointing at it are set to NULL by the database.
                db.session.delete(duplicate)
                counts.deleted += 1


# --- matrix ----------------------------------------------------------------------------------------


def _seed_matrix(report: SeedReport, force: bool, phases: dict[str, ServicePhase],
                 types: dict[str, ServiceType]) -> None:
    existing = {
        (row.service_type_id, row.target): row
        for row in db.session.scalars(select(OrchestrationConfig).where(OrchestrationConfig.workshop_id.is_(None)))
    }
    for seed in config_seeds():
        service_type = types[seed.service_type]
        config = existing.get((service_type.id, seed.target))
        values = {"description": seed.description, "is_active": True}
        if config is None:
            config = OrchestrationConfig(service_type_id=service_type.id, target=seed.target, workshop_id=None,
                                         **values)
            db.session.add(config)
            report["configs"].created += 1
        else:
            _record_existing(report, "configs", config, values, force)
        _seed_cells(report, force, config, seed, phases)


def _seed_cells(report: SeedReport, force: bool, config: OrchestrationConfig, seed: ConfigSeed,
                phases: dict[str, ServicePhase]) -> None:
    cells = {(cell.phase_id, cell.channel): cell for cell in config.cells}
    for cell_seed in seed.cells:
        phase_id = phases[cell_seed.phase].id
        values = {"enabled": cell_seed.enabled, "template_id": None}
        cell = cells.get((phase_id, cell_seed.channel))
        if cell is None:
            config.cells.append(PhaseChannelConfig(phase_id=phase_id, channel=cell_seed.channel, **values))
            report["cells"].created += 1
        else:
            _record_existing(report, "cells", cell, values, force)
