"""Vehicles: queries and validated writes (the API and the console)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Customer, Vehicle
from app.models.base import parse_uuid
from app.orchestration.contacts import normalise_plate
from app.records.common import RecordInvalid, commit_or_refuse
from app.records.customers import find_customer
from app.records.search import plate_contains


def vehicle_query(customer_ref: str | None = None, plate: str | None = None):
    query = select(Vehicle).options(selectinload(Vehicle.customer))
    if customer_ref:
        owner_ids = select(Customer.id).where(Customer.customer_id == customer_ref)
        parsed = parse_uuid(customer_ref)
        if parsed:
            owner_ids = select(Customer.id).where(or_(Customer.customer_id == customer_ref, Customer.id == parsed))
        query = query.where(Vehicle.customer_id.in_(owner_ids))
    if plate and normalise_plate(plate):
        query = query.where(plate_contains(plate))
    return query.order_by(Vehicle.plate)


VEHICLE_FIELDS = ("brand", "model", "year", "current_kilometers", "last_service_date", "next_service_kilometers",
                  "image_url")


def save_vehicle(vehicle: Vehicle | None, values: Mapping[str, Any]) -> Vehicle:
    owner = None
    if values.get("customer_id"):
        owner = find_customer(values["customer_id"])
        if owner is None:
            raise RecordInvalid({"customer_id": ["Unknown customer."]})
    if vehicle is None:
        vehicle = Vehicle()
        db.session.add(vehicle)
    vehicle.plate = normalise_plate(values["plate"])
    vehicle.core_vehicle_id = values.get("vehicle_id") or None
    vehicle.customer_id = owner.id if owner else None
    for name in VEHICLE_FIELDS:
        setattr(vehicle, name, values.get(name))
    vehicle.image_url = values.get("image_url") or ""
    commit_or_refuse({"plate": ["A vehicle with this plate already exists."]})
    return vehicle


def vehicle_values(vehicle: Vehicle) -> dict[str, Any]:
    values = {name: getattr(vehicle, name) for name in VEHICLE_FIELDS}
    owner = vehicle.customer.customer_id if vehicle.customer else None
    return {**values, "plate": vehicle.plate, "customer_id": owner, "vehicle_id": vehicle.core_vehicle_id,
            "last_service_date": vehicle.last_service_date.isoformat() if vehicle.last_service_date else None}
