"""Editing an orchestration matrix: validated, all-or-nothing cell updates, phase initialisation
and workshop-specific copies of a global config. Shared by the console and the JSON API."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog import snapshot
from app.channels import CHANNELS
from app.extensions import db
from app.models import (
    NotificationTemplate,
    OrchestrationConfig,
    PhaseChannelConfig,
    ServicePhase,
    ServiceType,
)
from app.models.base import parse_uuid
from app.models.enums import TARGETS


class MatrixError(Exception):
    """Invalid matrix input. `errors` maps a field path (e.g. 'cells[2].template_id') to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class ConfigNotFound(LookupError):
    """No orchestration config with that id."""


@dataclass(frozen=True)
class CellChange:
    phase_id: uuid.UUID
    channel: str
    enabled: bool
    template_id: uuid.UUID | None


def get_config(config_id: Any) -> OrchestrationConfig:
    """The config, or ConfigNotFound (also for ids that are not UUIDs)."""
    parsed = parse_uuid(config_id)
    config = db.session.get(OrchestrationConfig, parsed) if parsed else None
    if config is None:
        raise ConfigNotFound(str(config_id))
    return config



def _phases_by_ref() -> dict[str, ServicePhase]:
    """Phases addressed by id or by slug (the API's clients know slugs)."""
    phases = db.session.scalars(select(ServicePhase)).all()
    return {**{str(p.id): p for p in phases}, **{p.slug: p for p in phases}}


def matching_templates_query(config: OrchestrationConfig, phase_id: Any = None, channel: str | None = None):
    """Templates a cell of `config` may choose: same target, phase, channel; the config's type (or
    a subtype of it, or no type); global or the config's own workshop; active."""
    stype = db.session.get(ServiceType, config.service_type_id)
    type_ids = [config.service_type_id] + ([stype.parent_id] if stype and stype.parent_id else [])
    subtype_ids = [config.service_type_id] + [s.id for s in (stype.subtypes if stype else [])]
    query = select(NotificationTemplate).where(
        NotificationTemplate.is_active,
        NotificationTemplate.target == config.target,
        NotificationTemplate.phase_id.is_not(None),
        (NotificationTemplate.service_type_id.is_(None)) | NotificationTemplate.service_type_id.in_(type_ids),
        (NotificationTemplate.subtype_id.is_(None)) | NotificationTemplate.subtype_id.in_(subtype_ids),
        (NotificationTemplate.workshop_id.is_(None))
        | (NotificationTemplate.workshop_id == config.workshop_id),
    )
    if phase_id is not None:
        query = query.where(NotificationTemplate.phase_id == phase_id)
    if channel is not None:
        query = query.where(NotificationTemplate.channel == channel)
    return query.order_by(NotificationTemplate.name)


def _validate_cell(
    index: int,
    raw: Any,
    phases: dict[str, ServicePhase],
    allowed: dict[uuid.UUID, NotificationTemplate],
    errors: dict[str, str],
) -> CellChange | None:
    where = f"cells[{index}]"
    if not isinstance(raw, dict):
        errors[where] = "must be an object"
        return None
    phase = phases.get(str(raw.get("phase_id") or raw.get("phase") or ""))
    channel = raw.get("channel")
    enabled = raw.get("enabled", True)
    template_ref = raw.get("template_id")
    template_id = parse_uuid(template_ref) if template_ref not in (None, "") else None
    if phase is None:
        errors[f"{where}.phase_id"] = "unknown phase"
    if channel not in CHANNELS:
        errors[f"{where}.channel"] = f"must be one of {', '.join(CHANNELS)}"
    if not isinstance(enabled, bool):
        errors[f"{where}.enabled"] = "must be true or false"
    if template_ref not in (None, "") and template_id is None:
        errors[f"{where}.template_id"] = "not a template id"
    elif template_id is not None and phase is not None and channel in CHANNELS:
        problem = _template_problem(allowed.get(template_id), template_id, phase, channel)
        if problem:
            errors[f"{where}.template_id"] = problem
    if any(key.startswith(where + ".") for key in errors):
        return None
    return CellChange(phase.id, channel, enabled, template_id)


def _template_problem(
    template: NotificationTemplate | None, template_id: uuid.UUID, phase: ServicePhase, channel: str
) -> str | None:
    if template is None:
        exists = db.session.get(NotificationTemplate, template_id) is not None
        return (
            "template does not match this config's service type, target or workshop, or is inactive"
            if exists
            else "unknown template"
        )
    if template.channel != channel:
        return f"template is for channel {template.channel}, not {channel}"
    if template.phase_id != phase.id:
        return "template is for another phase"
    return None


def validate_cells(config: OrchestrationConfig, cells: Iterable[Any]) -> list[CellChange]:
    """Every cell checked; MatrixError with every problem found, or the parsed changes."""
    if not isinstance(cells, list):
        raise MatrixError({"cells": "must be a list"})
    phases = _phases_by_ref()
    allowed = {t.id: t for t in db.session.scalars(matching_templates_query(config))}
    errors: dict[str, str] = {}
    changes: list[CellChange] = []
    seen: set[tuple[uuid.UUID, str]] = set()
    for index, raw in enumerate(cells):
        change = _validate_cell(index, raw, phases, allowed, errors)
        if change is None:
            continue
        if (change.phase_id, change.channel) in seen:
            errors[f"cells[{index}]"] = "the same phase and channel appear twice"
        seen.add((change.phase_id, change.channel))
        changes.append(change)
    if errors:
        raise MatrixError(errors)
    return changes


def update_matrix(config_id: Any, cells: list[dict]) -> OrchestrationConfig:
    """Apply `cells` ({phase_id (id or slug), channel, enabled, template_id}) in one transaction.
    Cells not mentioned are left as they are. Any invalid cell -> MatrixError, nothing changed."""
    config = get_config(config_id)
    changes = validate_cells(config, cells)
    existing = {(c.phase_id, c.channel): c for c in config.cells}
    for change in changes:
        cell = existing.get((change.phase_id, change.channel))
        if cell is None:
            cell = PhaseChannelConfig(config_id=config.id, phase_id=change.phase_id, channel=change.channel)
            config.cells.append(cell)
        cell.enabled = change.enabled
        cell.template_id = change.template_id
    _commit({"cells": "the matrix was changed by someone else; reload and try again"})
    return config


def initialize_phases(config_id: Any) -> int:
    """Create the missing phase x channel cells of a config (switched off, automatic template).
    Returns how many were created."""
    config = get_config(config_id)
    present = {(c.phase_id, c.channel) for c in config.cells}
    phases = db.session.scalars(
        select(ServicePhase).where(ServicePhase.is_active).order_by(ServicePhase.order)
    ).all()
    created = 0
    for phase in phases:
        for channel in CHANNELS:
            if (phase.id, channel) not in present:
                config.cells.append(PhaseChannelConfig(phase_id=phase.id, channel=channel, enabled=False))
                created += 1
    if created:
        _commit({"cells": "the matrix was changed by someone else; reload and try again"})
    return created


def copy_from_global(service_type_id: Any, target: str, workshop_id: Any) -> OrchestrationConfig:
    """A workshop-specific copy of the global config (and its cells) for this type and target."""
    type_id, shop_id = parse_uuid(service_type_id), parse_uuid(workshop_id)
    if type_id is None or shop_id is None:
        raise MatrixError({"service_type_id" if type_id is None else "workshop_id": "not a valid id"})
    source = find_config(type_id, target, None)
    if source is None:
        raise MatrixError({"config": "there is no global config for this service type and target"})
    if find_config(type_id, target, shop_id) is not None:
        raise MatrixError({"workshop_id": "this workshop already has its own config"})
    copy = OrchestrationConfig(
        service_type_id=type_id,
        target=target,
        workshop_id=shop_id,
        description=source.description,
        is_active=source.is_active,
    )
    for cell in source.cells:
        copy.cells.append(
            PhaseChannelConfig(
                phase_id=cell.phase_id,
                channel=cell.channel,
                enabled=cell.enabled,
                template_id=cell.template_id,
            )
        )
    db.session.add(copy)
    _commit({"workshop_id": "this workshop already has its own config"})
    return copy


def find_config(service_type_id: Any, target: str, workshop_id: Any) -> OrchestrationConfig | None:
    """The config for exactly this type, target and workshop (None = the global one)."""
    shop = parse_uuid(workshop_id) if workshop_id else None
    return db.session.scalar(
        select(OrchestrationConfig).where(
            OrchestrationConfig.service_type_id == parse_uuid(service_type_id),
            OrchestrationConfig.target == target,
            OrchestrationConfig.workshop_id.is_(None)
            if shop is None
            else OrchestrationConfig.workshop_id == shop,
        )
    )


def _commit(conflict: dict[str, str]) -> None:
    """Commit and refresh the orchestration snapshot; a unique-constraint race becomes MatrixError."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MatrixError(conflict) from None
    snapshot.invalidate()


def create_config(service_type_id: Any, target: str, workshop_id: Any = None) -> OrchestrationConfig:
    """A new, empty config for this type, target and scope, with its phase cells initialised."""
    type_id = parse_uuid(service_type_id)
    stype = db.session.get(ServiceType, type_id) if type_id else None
    errors: dict[str, str] = {}
    if stype is None:
        errors["service_type_id"] = "unknown service type"
    if target not in TARGETS:
        errors["target"] = f"must be one of {', '.join(TARGETS)}"
    if workshop_id and parse_uuid(workshop_id) is None:
        errors["workshop_id"] = "not a valid id"
    if errors:
        raise MatrixError(errors)
    if find_config(type_id, target, workshop_id) is not None:
        raise MatrixError({"config": "a config for this service type, target and workshop already exists"})
    config = OrchestrationConfig(
        service_type_id=type_id, target=target, workshop_id=parse_uuid(workshop_id) if workshop_id else None
    )
    db.session.add(config)
    _commit({"config": "a config for this service type, target and workshop already exists"})
    initialize_phases(config.id)
    return config
