"""Orchestration configs: CRUD with filters, the whole matrix in one request, phase initialisation.
Matrix edits go through app/catalog/matrix.py (shared with the console)."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import catalog
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import get_or_404, iso, paginate, parse_body, parse_patch, parse_query, str_or_none
from app.api.openapi import doc
from app.api.schemas.common import Page
from app.api.schemas.orchestration import ConfigFilters, ConfigIn, ConfigOut, MatrixIn
from app.channels import CHANNEL_LABELS, CHANNELS
from app.errors import ApiError
from app.extensions import db
from app.models import OrchestrationConfig, PhaseChannelConfig, ServiceType
from app.models.enums import TARGET_LABELS

TAGS = ("Orchestration",)
BASE = "/notifications/orchestration/"


def _cell_json(cell: PhaseChannelConfig) -> dict:
    return {"id": str(cell.id), "phase": str(cell.phase_id), "phase_name": cell.phase.name,
            "phase_slug": cell.phase.slug, "phase_order": cell.phase.order, "channel": cell.channel,
            "channel_display": CHANNEL_LABELS.get(cell.channel, cell.channel), "enabled": cell.enabled,
            "template": str_or_none(cell.template_id), "template_name": cell.template.name if cell.template else None}


def config_json(config: OrchestrationConfig) -> dict:
    cells = sorted(config.cells, key=lambda c: (c.phase.order, c.phase.name, CHANNELS.index(c.channel)
                                                 if c.channel in CHANNELS else 9))
    return {
        "id": str(config.id), "service_type": str(config.service_type_id),
        "service_type_name": config.service_type.name, "target": config.target,
        "target_display": TARGET_LABELS.get(config.target, config.target),
        "taller_id": str_or_none(config.workshop_id), "description": config.description or "",
        "is_active": config.is_active, "strategy": config.strategy or "all",
        "reminder_hours_before": config.reminder_hours_before, "phase_configs": [_cell_json(c) for c in cells],
        "created_at": iso(config.created_at), "updated_at": iso(config.updated_at),
    }


def _query():
    return select(OrchestrationConfig).options(
        selectinload(OrchestrationConfig.service_type),
        selectinload(OrchestrationConfig.cells).selectinload(PhaseChannelConfig.phase),
        selectinload(OrchestrationConfig.cells).selectinload(PhaseChannelConfig.template),
    )


def _save(config: OrchestrationConfig | None, payload: dict | None = None, body: ConfigIn | None = None) -> OrchestrationConfig:
    body = body or parse_body(ConfigIn, payload, what="The orchestration config")
    problems = {}
    stype = db.session.get(ServiceType, body.service_type)
    if stype is None:
        problems["service_type"] = ["Unknown service type."]
    workshop = catalog.find_workshop(body.taller_id) if body.taller_id else None
    if body.taller_id and workshop is None:
        problems["taller_id"] = [f"Unknown workshop '{body.taller_id}' (give a workshop's id or code, or null)."]
    workshop_id = workshop.id if workshop else None
    same = catalog.find_config(body.service_type, body.target, workshop_id)
    if same is not None and same is not config:
        problems["non_field_errors"] = ["service_type, target and taller_id must be unique together."]
    if problems:
        raise ApiError(400, "validation_error", "The orchestration config is not valid.", problems)
    if config is None:
        config = OrchestrationConfig()
        db.session.add(config)
    config.service_type_id, config.target, config.workshop_id = body.service_type, body.target, workshop_id
    config.description, config.is_active = body.description, body.is_active
    config.strategy, config.reminder_hours_before = body.strategy, body.reminder_hours_before
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ApiError(400, "validation_error", "A config for this service type, target and workshop exists.",
                       {"non_field_errors": ["service_type, target and taller_id must be unique together."]}) from None
    catalog.invalidate_snapshot()
    return config


def _stored(config: OrchestrationConfig) -> dict:
    return {"service_type": str(config.service_type_id), "target": config.target,
            "taller_id": str_or_none(config.workshop_id), "description": config.description,
            "is_active": config.is_active, "strategy": config.strategy or "all",
            "reminder_hours_before": config.reminder_hours_before}


@api_v1.get(BASE)
@require_api_key("read", compat=True)
@doc(TAGS, model=Page[ConfigOut], query=ConfigFilters, errors=(400, 404))
def list_configs():
    """List orchestration configs (filters: service_type_id, target, taller_id)."""
    f = parse_query(ConfigFilters)
    query = _query()
    if f.service_type_id:
        query = query.where(OrchestrationConfig.service_type_id == f.service_type_id)
    if f.target:
        query = query.where(OrchestrationConfig.target == f.target)
    if f.taller_id == "null":
        query = query.where(OrchestrationConfig.workshop_id.is_(None))
    elif f.taller_id is not None:
        query = query.where(OrchestrationConfig.workshop_id == f.taller_id)
    query = query.order_by(OrchestrationConfig.created_at, OrchestrationConfig.id)
    return jsonify(paginate(query, config_json, f.page, f.page_size))


@api_v1.post(BASE)
@require_api_key("manage")
@doc(TAGS, ok=201, model=ConfigOut, json=ConfigIn, errors=(400,))
def create_config():
    """Create an orchestration config."""
    return jsonify(config_json(_save(None))), 201


@api_v1.get(BASE + "<config_id>/")
@require_api_key("read")
@doc(TAGS, model=ConfigOut, errors=(404,))
def get_config(config_id: str):
    """Retrieve a config with its phase x channel settings."""
    return jsonify(config_json(get_or_404(OrchestrationConfig, config_id, "orchestration config")))


@api_v1.put(BASE + "<config_id>/")
@require_api_key("manage")
@doc(TAGS, model=ConfigOut, json=ConfigIn, errors=(400, 404))
def replace_config(config_id: str):
    """Replace a config (every required field sent)."""
    config = get_or_404(OrchestrationConfig, config_id, "orchestration config")
    return jsonify(config_json(_save(config)))


@api_v1.patch(BASE + "<config_id>/")
@require_api_key("manage")
@doc(TAGS, model=ConfigOut, json=ConfigIn, errors=(400, 404))
def update_config(config_id: str):
    """Update some fields of a config."""
    config = get_or_404(OrchestrationConfig, config_id, "orchestration config")
    body = parse_patch(ConfigIn, _stored(config), what="The orchestration config")
    return jsonify(config_json(_save(config, body=body)))


@api_v1.delete(BASE + "<config_id>/")
@require_api_key("manage")
@doc(TAGS, ok=204, errors=(404,))
def delete_config(config_id: str):
    """Delete a config and its matrix."""
    config = get_or_404(OrchestrationConfig, config_id, "orchestration config")
    db.session.delete(config)
    db.session.commit()
    catalog.invalidate_snapshot()
    return "", 204


@api_v1.post(BASE + "<config_id>/update_matrix/")
@require_api_key("manage")
@doc(TAGS, model=ConfigOut, json=MatrixIn, errors=(400, 404))
def update_matrix(config_id: str):
    """Replace matrix cells in one atomic request; any invalid cell -> 400 and nothing changes."""
    config = get_or_404(OrchestrationConfig, config_id, "orchestration config")
    body = parse_body(MatrixIn, what="The matrix")
    cells = [{"phase_id": c.phase, "channel": c.channel, "enabled": c.enabled,
              "template_id": str_or_none(c.template)} for c in body.configs]
    try:
        config = catalog.update_matrix(config.id, cells)
    except catalog.MatrixError as err:
        fields = {key.replace("cells", "configs", 1).replace(".phase_id", ".phase").replace(".template_id", ".template"):
                  [message] for key, message in err.errors.items()}
        raise ApiError(400, "validation_error", "The matrix is not valid; nothing was changed.", fields) from None
    db.session.expire_all()
    return jsonify(config_json(db.session.scalar(_query().where(OrchestrationConfig.id == config.id))))


@api_v1.post(BASE + "<config_id>/initialize_phases/")
@require_api_key("manage")
@doc(TAGS, model=ConfigOut, errors=(404,))
def initialize_phases(config_id: str):
    """Create the missing phase x channel cells (switched off, automatic template)."""
    config = get_or_404(OrchestrationConfig, config_id, "orchestration config")
    catalog.initialize_phases(config.id)
    db.session.expire_all()
    return jsonify(config_json(db.session.scalar(_query().where(OrchestrationConfig.id == config.id))))
