"""Customers, keyed by `customer_id`: CRUD with search, preferences, a customer's vehicles and reminders."""

from __future__ import annotations

from flask import jsonify

from app import records
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import iso, json_object, paginate, parse_body, parse_patch, parse_query, str_or_none
from app.api.json_body import body_json
from app.api.openapi import doc
from app.api.reminders import reminder_json
from app.api.schemas.common import Page
from app.api.schemas.customers import (
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    PreferenceList,
    PreferencesIn,
    ReminderList,
    ReminderStatusFilter,
    VehicleList,
)
from app.api.vehicles import vehicle_json
from app.channels import CHANNEL_LABELS
from app.errors import ApiError
from app.extensions import db
from app.models import ChannelPreference, Customer

TAGS = ("Customers",)
BASE = "/notifications/customers/"


def preference_json(p: ChannelPreference) -> dict:
    return {"id": str(p.id), "channel": p.channel, "channel_display": CHANNEL_LABELS.get(p.channel, p.channel),
            "enabled": p.enabled, "priority": p.priority}


def customer_json(c: Customer) -> dict:
    """The reference's customer object: contact fields are null when not on file (the PWA shows
    "No registrado")."""
    return {
        "id": str(c.id), "customer_id": c.customer_id, "first_name": c.first_name, "last_name": c.last_name,
        "full_name": c.full_name, "email": c.email or None, "phone": c.phone or None, "whatsapp": c.whatsapp or None,
        "taller_id": str_or_none(c.workshop_id), "is_active": c.is_active,
        "channel_preferences": [preference_json(p) for p in records.effective_preferences(c)],
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
    }


def _customer_or_404(customer_id: str) -> Customer:
    customer = records.find_customer(customer_id)
    if customer is None:
        raise ApiError(404, "not_found", f"No customer with customer_id '{customer_id}'.")
    return customer


def _save(customer: Customer | None, payload: dict | None = None, body: CustomerIn | None = None) -> Customer:
    body = body or parse_body(CustomerIn, payload, what="The customer")
    if customer is None and not body.customer_id:
        raise ApiError(400, "validation_error", "The customer is not valid.", {"customer_id": ["This field is required."]})
    try:
        return records.save_customer(customer, body.model_dump())
    except records.RecordInvalid as err:
        raise ApiError(400, "validation_error", "The customer is not valid.", err.fields) from None


@api_v1.get(BASE)
@require_api_key("read")
@doc(TAGS, model=Page[CustomerOut], query=CustomerFilters, errors=(400, 404))
def list_customers():
    """List customers (search by name, email or phone)."""
    f = parse_query(CustomerFilters)
    return jsonify(paginate(records.customer_query(f.search), customer_json, f.page, f.page_size))


@api_v1.post(BASE)
@require_api_key("manage")
@doc(TAGS, ok=201, model=CustomerOut, json=CustomerIn, errors=(400,))
def create_customer():
    """Create a customer."""
    return jsonify(customer_json(_save(None))), 201


@api_v1.get(BASE + "<customer_id>/")
@require_api_key("read", compat=True)
@doc(TAGS, model=CustomerOut, errors=(404,))
def get_customer(customer_id: str):
    """Retrieve a customer by customer_id."""
    return jsonify(customer_json(_customer_or_404(customer_id)))


@api_v1.put(BASE + "<customer_id>/")
@require_api_key("manage")
@doc(TAGS, model=CustomerOut, json=CustomerIn, errors=(400, 404))
def replace_customer(customer_id: str):
    """Replace a customer's data (customer_id itself does not change)."""
    customer = _customer_or_404(customer_id)
    return jsonify(customer_json(_save(customer, {**json_object(), "customer_id": customer.customer_id})))


@api_v1.patch(BASE + "<customer_id>/")
@require_api_key("manage", compat=True)
@doc(TAGS, model=CustomerOut, json=CustomerIn, errors=(400, 404))
def update_customer(customer_id: str):
    """Update some fields of a customer."""
    customer = _customer_or_404(customer_id)
    body = parse_patch(CustomerIn, records.customer_values(customer), what="The customer")
    if body.customer_id != customer.customer_id:
        raise ApiError(400, "validation_error", "The customer is not valid.",
                       {"customer_id": ["The customer_id of a customer cannot change."]})
    return jsonify(customer_json(_save(customer, body=body)))


@api_v1.delete(BASE + "<customer_id>/")
@require_api_key("manage")
@doc(TAGS, ok=204, errors=(404,))
def delete_customer(customer_id: str):
    """Delete a customer (with their preferences, subscriptions, vehicles and reminders)."""
    records.delete_row(_customer_or_404(customer_id))
    return "", 204


@api_v1.get(BASE + "<customer_id>/preferences/")
@require_api_key("read", compat=True)
@doc(TAGS, model=PreferenceList, errors=(404,))
def customer_preferences(customer_id: str):
    """A customer's channel preferences, best first."""
    return jsonify([preference_json(p) for p in records.effective_preferences(_customer_or_404(customer_id))])


@api_v1.post(BASE + "<customer_id>/update_preferences/")
@require_api_key("manage", compat=True)
@doc(TAGS, model=PreferenceList, json=PreferencesIn, errors=(400, 404))
def update_preferences(customer_id: str):
    """Set channel preferences (enabled and priority per channel)."""
    customer = _customer_or_404(customer_id)
    payload = body_json()
    body = parse_body(PreferencesIn, {"channels": payload} if isinstance(payload, list) else None,
                      what="The preferences")
    try:
        prefs = records.set_preferences(customer, [p.model_dump() for p in body.preferences])
    except records.RecordInvalid as err:
        raise ApiError(400, "validation_error", "The preferences are not valid.", err.fields) from None
    return jsonify([preference_json(p) for p in prefs])


@api_v1.get(BASE + "<customer_id>/vehicles/")
@require_api_key("read", compat=True)
@doc(TAGS, model=VehicleList, errors=(404,))
def customer_vehicles(customer_id: str):
    """The customer's vehicles."""
    customer = _customer_or_404(customer_id)
    return jsonify([vehicle_json(v) for v in db.session.scalars(records.vehicle_query(customer.customer_id))])


@api_v1.get(BASE + "<customer_id>/reminders/")
@require_api_key("read", compat=True)
@doc(TAGS, model=ReminderList, query=ReminderStatusFilter, errors=(400, 404))
def customer_reminders(customer_id: str):
    """The customer's maintenance reminders (filter: status)."""
    customer = _customer_or_404(customer_id)
    f = parse_query(ReminderStatusFilter)
    rows = db.session.scalars(records.reminder_query(f.status, customer_pk=customer.id))
    return jsonify([reminder_json(r) for r in rows])
