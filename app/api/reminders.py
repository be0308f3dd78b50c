"""Maintenance reminders: CRUD with filters, and marking one completed."""

from __future__ import annotations

from flask import jsonify

from app import records
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import get_or_404, iso, paginate, parse_body, parse_patch, parse_query, str_or_none
from app.api.openapi import doc
from app.api.schemas.common import Page
from app.api.schemas.customers import ReminderFilters, ReminderIn, ReminderOut
from app.errors import ApiError
from app.models import MaintenanceReminder
from app.models.enums import ReminderType

TAGS = ("Reminders",)
BASE = "/notifications/reminders/"
STATUS_LABELS = {"pending": "Pendiente", "notified": "Notificado", "completed": "Completado",
                 "cancelled": "Cancelado", "overdue": "Vencido"}


def reminder_json(r: MaintenanceReminder) -> dict:
    """The reference's reminder (type, target_*, notify_via, *_display) with Avisos' fields beside it."""
    due_date = iso(r.due_date)
    return {
        "id": str(r.id), "vehicle": str(r.vehicle_id), "vehicle_plate": r.vehicle.plate,
        "vehicle_display": r.vehicle.description or r.vehicle.plate,
        "customer_id": r.customer.customer_id, "customer_name": r.customer.full_name,
        "type": r.reminder_type, "type_display": ReminderType.LABELS.get(r.reminder_type, r.reminder_type),
        "service_type": str_or_none(r.service_type_id),
        "service_type_name": r.service_type.name if r.service_type else None, "title": r.title,
        "description": r.description or "", "target_date": due_date, "target_kilometers": r.due_kilometers,
        "due_date": due_date, "due_kilometers": r.due_kilometers, "notify_via": list(r.notify_via or []),
        "notify_before_days": r.notify_before_days, "notify_before_km": r.notify_before_km, "status": r.status,
        "status_display": STATUS_LABELS.get(r.status, r.status), "last_notified_at": iso(r.last_notified_at),
        "notified_count": r.notified_count, "completed_at": iso(r.completed_at),
        "created_at": iso(r.created_at), "updated_at": iso(r.updated_at),
    }


def _save(reminder: MaintenanceReminder | None, body: ReminderIn | None = None) -> MaintenanceReminder:
    body = body or parse_body(ReminderIn, what="The reminder")
    try:
        return records.save_reminder(reminder, body.model_dump())
    except records.RecordInvalid as err:
        raise ApiError(400, "validation_error", "The reminder is not valid.", err.fields) from None


@api_v1.get(BASE)
@require_api_key("read")
@doc(TAGS, model=Page[ReminderOut], query=ReminderFilters, errors=(400, 404))
def list_reminders():
    """List reminders (filters: status, customer_id, vehicle_id). Cancelled ones only when asked for
    (`status=cancelled`): the reference's clients know four statuses."""
    f = parse_query(ReminderFilters)
    query = records.reminder_query(f.status, f.customer_id, f.vehicle_id)
    return jsonify(paginate(query, reminder_json, f.page, f.page_size))


@api_v1.post(BASE)
@require_api_key("manage", compat=True)
@doc(TAGS, ok=201, model=ReminderOut, json=ReminderIn, errors=(400,))
def create_reminder():
    """Create a maintenance reminder."""
    return jsonify(reminder_json(_save(None))), 201


@api_v1.get(BASE + "<reminder_id>/")
@require_api_key("read")
@doc(TAGS, model=ReminderOut, errors=(404,))
def get_reminder(reminder_id: str):
    """Retrieve a reminder."""
    return jsonify(reminder_json(get_or_404(MaintenanceReminder, reminder_id, "reminder")))


@api_v1.put(BASE + "<reminder_id>/")
@require_api_key("manage")
@doc(TAGS, model=ReminderOut, json=ReminderIn, errors=(400, 404))
def replace_reminder(reminder_id: str):
    """Replace a reminder (every required field sent)."""
    return jsonify(reminder_json(_save(get_or_404(MaintenanceReminder, reminder_id, "reminder"))))


@api_v1.patch(BASE + "<reminder_id>/")
@require_api_key("manage", compat=True)
@doc(TAGS, model=ReminderOut, json=ReminderIn, errors=(400, 404))
def update_reminder(reminder_id: str):
    """Update some fields of a reminder."""
    reminder = get_or_404(MaintenanceReminder, reminder_id, "reminder")
    body = parse_patch(ReminderIn, records.reminder_values(reminder), what="The reminder")
    return jsonify(reminder_json(_save(reminder, body)))


@api_v1.delete(BASE + "<reminder_id>/")
@require_api_key("manage", compat=True)
@doc(TAGS, ok=204, errors=(404,))
def delete_reminder(reminder_id: str):
    """Delete a reminder."""
    records.delete_row(get_or_404(MaintenanceReminder, reminder_id, "reminder"))
    return "", 204


@api_v1.post(BASE + "<reminder_id>/complete/")
@require_api_key("manage", compat=True)
@doc(TAGS, model=ReminderOut, errors=(404,))
def complete_reminder(reminder_id: str):
    """Mark a reminder completed."""
    reminder = records.complete_reminder(get_or_404(MaintenanceReminder, reminder_id, "reminder"))
    return jsonify(reminder_json(reminder))
