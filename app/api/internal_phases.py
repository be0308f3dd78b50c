"""Internal API: sync the phase catalogue (full | partial) and a vehicle's own phase order."""

from __future__ import annotations

from flask import jsonify

from app.api import internal_v1
from app.api.auth import require_internal_secret
from app.api.common import parse_body
from app.api.openapi import INTERNAL_SECURITY, doc
from app.api.schemas.internal import PhasesSyncIn, PhasesSyncOut, VehiclePhasesIn, VehiclePhasesOut
from app.errors import ApiError
from app.services import catalog_sync

TAGS = ("Internal",)


@internal_v1.post("/phases/sync/")
@require_internal_secret
@doc(TAGS, model=PhasesSyncOut, json=PhasesSyncIn, errors=(400, 401), auth=False, security=INTERNAL_SECURITY)
def sync_phases():
    """Upsert service phases by slug; full mode deactivates the phases left out (never deletes)."""
    body = parse_body(PhasesSyncIn, what="The phase sync")
    slugs = [p.slug for p in body.phases]
    if len(set(slugs)) != len(slugs):
        raise ApiError(400, "validation_error", "The phase sync is not valid.", {"phases": ["Each slug may appear once."]})
    if body.sync_mode == "full" and not slugs:
        raise ApiError(400, "validation_error", "A full sync needs at least one phase.",
                       {"phases": ["Empty in full mode would deactivate every phase."]})
    result = catalog_sync.sync_phases([p.model_dump() for p in body.phases], full=body.sync_mode == "full")
    return jsonify({"status": "ok", "sync_mode": body.sync_mode, "created": result.created,
                    "updated": result.updated, "deactivated": result.deactivated})


@internal_v1.post("/vehicles/<plate>/phases/sync/")
@require_internal_secret
@doc(TAGS, model=VehiclePhasesOut, json=VehiclePhasesIn, errors=(400, 401, 404), auth=False,
     security=INTERNAL_SECURITY)
def sync_vehicle_phases(plate: str):
    """Set a vehicle's own phase order (an empty list restores the global order)."""
    body = parse_body(VehiclePhasesIn, what="The phase order")
    vehicle = catalog_sync.find_vehicle(plate)
    if vehicle is None:
        raise ApiError(404, "not_found", f"No vehicle with plate '{plate}'.")
    slugs = [p if isinstance(p, str) else p.slug
             for p in sorted(body.phases, key=lambda p: 0 if isinstance(p, str) else p.order)]
    try:
        vehicle = catalog_sync.set_vehicle_phase_order(vehicle, slugs)
    except catalog_sync.UnknownPhases as err:
        raise ApiError(400, "validation_error", str(err), {"phases": [f"Unknown phase: {s}" for s in err.slugs]}) from None
    return jsonify({"plate": vehicle.plate, "phase_order": vehicle.phase_order or []})
