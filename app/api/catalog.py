"""GET catalog (slugs for dispatch), service phases and service types (read-only)."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import get_or_404, paginate, parse_query, str_or_none
from app.api.openapi import doc
from app.api.schemas.catalog import Catalog, PhaseOut, ServiceTypeOut
from app.api.schemas.common import Page, PageQuery
from app.extensions import db
from app.models import ServicePhase, ServiceType

TAGS = ("Catalog",)


@api_v1.get("/notifications/catalog/")
@require_api_key("read")
@doc(TAGS, model=Catalog)
def catalog():
    """Catalog of service type and phase slugs to use in dispatch."""
    types = db.session.scalars(
        select(ServiceType).options(selectinload(ServiceType.subtypes))
        .where(ServiceType.is_active, ServiceType.parent_id.is_(None)).order_by(ServiceType.order, ServiceType.name)
    ).all()
    phases = db.session.scalars(
        select(ServicePhase).where(ServicePhase.is_active).order_by(ServicePhase.order)
    ).all()
    return jsonify({
        "service_types": [_catalog_type(t) for t in types],
        "phases": [{"slug": p.slug, "name": p.name, "icon": p.icon, "order": p.order} for p in phases],
    })


def _catalog_type(stype: ServiceType) -> dict:
    entry = {"slug": stype.slug, "name": stype.name, "icon": stype.icon}
    subtypes = [s for s in stype.subtypes if s.is_active]
    if subtypes:
        entry["subtypes"] = [{"slug": s.slug, "name": s.name, "icon": s.icon} for s in subtypes]
    return entry


def phase_json(phase: ServicePhase) -> dict:
    return {"id": str(phase.id), "slug": phase.slug, "name": phase.name, "description": phase.description,
            "icon": phase.icon, "order": phase.order, "is_active": phase.is_active}


def _subtype_json(stype: ServiceType) -> dict:
    return {"id": str(stype.id), "slug": stype.slug, "name": stype.name, "description": stype.description,
            "icon": stype.icon, "order": stype.order, "is_active": stype.is_active,
            "parent": str_or_none(stype.parent_id)}


def service_type_json(stype: ServiceType) -> dict:
    return {**_subtype_json(stype), "subtypes": [_subtype_json(s) for s in stype.subtypes]}


@api_v1.get("/notifications/phases/")
@require_api_key("read")
@doc(("Phases",), model=Page[PhaseOut], query=PageQuery, errors=(400, 404))
def list_phases():
    """List the service phases in order."""
    q = parse_query(PageQuery)
    query = select(ServicePhase).order_by(ServicePhase.order, ServicePhase.name)
    return jsonify(paginate(query, phase_json, q.page, q.page_size))


@api_v1.get("/notifications/phases/<phase_id>/")
@require_api_key("read")
@doc(("Phases",), model=PhaseOut, errors=(404,))
def get_phase(phase_id: str):
    """Retrieve one service phase."""
    return jsonify(phase_json(get_or_404(ServicePhase, phase_id, "phase")))


@api_v1.get("/notifications/service-types/")
@require_api_key("read")
@doc(("Service types",), model=Page[ServiceTypeOut], query=PageQuery, errors=(400, 404))
def list_service_types():
    """List the top-level service types with their subtypes nested."""
    q = parse_query(PageQuery)
    query = (select(ServiceType).options(selectinload(ServiceType.subtypes))
             .where(ServiceType.parent_id.is_(None)).order_by(ServiceType.order, ServiceType.name))
    return jsonify(paginate(query, service_type_json, q.page, q.page_size))


@api_v1.get("/notifications/service-types/<type_id>/")
@require_api_key("read")
@doc(("Service types",), model=ServiceTypeOut, errors=(404,))
def get_service_type(type_id: str):
    """Retrieve one service type (or subtype) with its subtypes."""
    return jsonify(service_type_json(get_or_404(ServiceType, type_id, "service type")))
