"""Internal API: sync the phase catalogue (full | partial) and a vehicle's own phase order."""

from __future__ import annotations

from flask import jsonify

from app import catalog, sync
from app.api.auth import require_internal_secret
from app.api.blueprints import internal_v1
from app.api.common import parse_body
from app.api.openapi import INTERNAL_SECURITY, doc
from app.api.schemas.internal import PhasesSyncIn, PhasesSyncOut, VehiclePhasesIn, VehiclePhasesOut
from app.errors import ApiError

TAGS = ("Internal",)


@internal_v1.post("/phases/sync/")
@require_internal_secret
@doc(TAGS, ok=202, model=PhasesSyncOut, json=PhasesSyncIn, errors=(400, 401), auth=False, security=INTERNAL_SECURITY)
def sync_phases():
    """Upsert service phases by slug; full mode deactivates the phases left out (never deletes).
    Applied at once; the answer keeps the reference's 202 fields (task_id answers the task status)."""
    body = parse_body(PhasesSyncIn, what="The phase sync")
    slugs = [p.slug for p in body.phases]
    if len(set(slugs)) != len(slugs):
        raise ApiError(400, "validation_error", "The phase sync is not valid.", {"phases": ["Each slug may appear once."]})
    if body.sync_mode == "full" and not slugs:
        raise ApiError(400, "validation_error", "A full sync needs at least one phase.",
                       {"phases": ["Empty in full mode would deactivate every phase."]})
    result = catalog.sync_phases([p.model_dump() for p in body.phases], full=body.sync_mode == "full")
    outcome = {"created": result.created, "updated": result.updated, "deactivated": result.deactivated}
    task = sync.record_task("sync_phases", body.model_dump(mode="json"), outcome)
    catalog.invalidate_snapshot()
    return jsonify({"status": "accepted", "message": "Global phases sync applied.", "task_id": str(task.id),
                    "phases_count": len(slugs), "sync_mode": body.sync_mode, **outcome}), 202


@internal_v1.post("/vehicles/<plate>/phases/sync/")
@require_internal_secret
@doc(TAGS, ok=202, model=VehiclePhasesOut, json=VehiclePhasesIn, errors=(400, 401, 404), auth=False,
     security=INTERNAL_SECURITY)
def sync_vehicle_phases(plate: str):
    """Set a vehicle's own phase order (full: replace; partial: the phases sent; an empty result
    restores the global order). Applied at once, answered with the reference's 202 fields."""
    vehicle = catalog.find_vehicle(plate)
    if vehicle is None:
        raise ApiError(404, "not_found", f"No vehicle with plate '{plate}'.")
    body = parse_body(VehiclePhasesIn, what="The phase order")
    items = [(p, index + 1, True) if isinstance(p, str) else (p.slug, p.order, p.is_active)
             for index, p in enumerate(body.phases)]
    if len({slug for slug, _, _ in items}) != len(items):
        raise ApiError(400, "validation_error", "The phase order is not valid.", {"phases": ["Each phase may appear once."]})
    try:
        vehicle = catalog.set_vehicle_phase_order(vehicle, items, full=body.sync_mode == "full")
    except catalog.UnknownPhases as err:
        raise ApiError(400, "validation_error", str(err), {"phases": [f"Unknown phase: {s}" for s in err.slugs]}) from None
    order = vehicle.phase_order or []
    task = sync.record_task("sync_vehicle_phases", {"plate": vehicle.plate, **body.model_dump(mode="json")},
                                    {"plate": vehicle.plate, "phase_order": order})
    return jsonify({"status": "accepted", "message": "Vehicle phases sync applied.", "task_id": str(task.id),
                    "plate": vehicle.plate, "phases_count": len(items), "phase_order": order}), 202
