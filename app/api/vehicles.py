"""Vehicles: CRUD with the customer_id and plate filters."""

from __future__ import annotations

from flask import jsonify

from app import records
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import get_or_404, iso, paginate, parse_body, parse_patch, parse_query
from app.api.openapi import doc
from app.api.schemas.common import Page
from app.api.schemas.customers import VehicleFilters, VehicleIn, VehicleOut
from app.errors import ApiError
from app.models import Vehicle

TAGS = ("Vehicles",)
BASE = "/notifications/vehicles/"


def vehicle_json(v: Vehicle) -> dict:
    """The reference's vehicle (display_name "brand model year", remaining_km, current_kilometers 0 when
    unknown) with Avisos' fields beside it."""
    return {
        "id": str(v.id), "vehicle_id": v.core_vehicle_id, "customer_id": v.customer.customer_id if v.customer else None,
        "customer_name": v.customer.full_name if v.customer else None, "plate": v.plate, "brand": v.brand,
        "model": v.model, "year": v.year, "display_name": v.description, "current_kilometers": v.current_kilometers or 0,
        "last_service_date": iso(v.last_service_date), "next_service_kilometers": v.next_service_kilometers,
        "remaining_km": v.remaining_km, "image_url": v.image_url or None, "description": v.description,
        "phase_order": v.phase_order or None, "created_at": iso(v.created_at), "updated_at": iso(v.updated_at),
    }


def _save(vehicle: Vehicle | None, payload: dict | None = None, body: VehicleIn | None = None) -> Vehicle:
    body = body or parse_body(VehicleIn, payload, what="The vehicle")
    try:
        return records.save_vehicle(vehicle, body.model_dump())
    except records.RecordInvalid as err:
        raise ApiError(400, "validation_error", "The vehicle is not valid.", err.fields) from None


@api_v1.get(BASE)
@require_api_key("read")
@doc(TAGS, model=Page[VehicleOut], query=VehicleFilters, errors=(400, 404))
def list_vehicles():
    """List vehicles (filters: customer_id, plate)."""
    f = parse_query(VehicleFilters)
    return jsonify(paginate(records.vehicle_query(f.customer_id, f.plate), vehicle_json, f.page, f.page_size))


@api_v1.post(BASE)
@require_api_key("manage")
@doc(TAGS, ok=201, model=VehicleOut, json=VehicleIn, errors=(400,))
def create_vehicle():
    """Create a vehicle."""
    return jsonify(vehicle_json(_save(None))), 201


@api_v1.get(BASE + "<vehicle_id>/")
@require_api_key("read")
@doc(TAGS, model=VehicleOut, errors=(404,))
def get_vehicle(vehicle_id: str):
    """Retrieve a vehicle."""
    return jsonify(vehicle_json(get_or_404(Vehicle, vehicle_id, "vehicle")))


@api_v1.put(BASE + "<vehicle_id>/")
@require_api_key("manage")
@doc(TAGS, model=VehicleOut, json=VehicleIn, errors=(400, 404))
def replace_vehicle(vehicle_id: str):
    """Replace a vehicle (every required field sent)."""
    return jsonify(vehicle_json(_save(get_or_404(Vehicle, vehicle_id, "vehicle"))))


@api_v1.patch(BASE + "<vehicle_id>/")
@require_api_key("manage")
@doc(TAGS, model=VehicleOut, json=VehicleIn, errors=(400, 404))
def update_vehicle(vehicle_id: str):
    """Update some fields of a vehicle."""
    vehicle = get_or_404(Vehicle, vehicle_id, "vehicle")
    body = parse_patch(VehicleIn, records.vehicle_values(vehicle), what="The vehicle")
    return jsonify(vehicle_json(_save(vehicle, body=body)))


@api_v1.delete(BASE + "<vehicle_id>/")
@require_api_key("manage")
@doc(TAGS, ok=204, errors=(404,))
def delete_vehicle(vehicle_id: str):
    """Delete a vehicle (and its reminders)."""
    records.delete_row(get_or_404(Vehicle, vehicle_id, "vehicle"))
    return "", 204
