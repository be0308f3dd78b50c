"""From an accepted event to Notification rows: recipient, plan (pure core), rendering, payloads.

Shared by dispatch (immediately), late customers (after their sync) and fallback (after a failure).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.catalog import Snapshot
from app.channels import CHANNELS
from app.dispatch import policy
from app.dispatch.recipients import CustomerInfo, Recipient, customer_recipient, load_customer, staff_recipient
from app.dispatch.resolve import resolve_stored
from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus
from app.orchestration.contacts import normalise_plate
from app.orchestration.planning import (
    APPOINTMENT_EVENT,
    APPOINTMENT_REMINDER,
    CUSTOM_EVENT,
    REMINDER_EVENT,
    EventSpec,
    PlannedMessage,
    TemplateData,
    plan_deliveries,
    plan_fallback,
)
from app.orchestration.policy import appointment_time
from app.orchestration.rendering import MissingVariables, normalise_name, render_message

# Rendered messages of one event (one context), keyed by render_key().
RenderCache = dict[tuple[str, str, bool], Any]



def event_context(context: dict[str, Any], phase_name: str, type_name: str, workshop_name: str | None) -> dict:
    """The caller's context plus what Avisos fills when absent: Fase, Taller, Servicio, Enlace."""
    merged = dict(context)
    present = {normalise_name(str(k)) for k in context}
    defaults = {
        "Fase": phase_name,
        "Taller": workshop_name or current_app.config["DEFAULT_WORKSHOP_NAME"],
        "Servicio": type_name,
        "Enlace": current_app.config["FRONTEND_URL"],
    }
    for name, value in defaults.items():
        if normalise_name(name) not in present:
            merged[name] = value
    return merged


@dataclass
class EventRecord:
    """What planning reads of an event; a DispatchEvent row has the same attributes."""

    id: uuid.UUID
    correlation_id: str
    event_type: str
    service_type_slug: str | None
    subtype_slug: str | None
    phase_slug: str | None
    target: str
    workshop_id: uuid.UUID | None
    customer_ref: str
    context: dict
    channels: list[str] | None = None  # the channels the event may use (None: every channel)
    send_at: datetime | None = None  # not before (UTC); None: now
    priority: str = "normal"  # "urgent" skips send windows and caps
    strategy: str = "all"  # set by planning from the orchestration config


def unsubscribe_url(customer_ref: str) -> str:
    token = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="reminder-unsubscribe").dumps(customer_ref)
    return f"{current_app.config['PUBLIC_URL']}/u/{token}"


def waiting_placeholder(event) -> dict:
    """The row that stands for an event whose customer is not synced yet (visible in the log)."""
    return notification_values(event, None, channel=None, recipient="", status=NotificationStatus.WAITING_FOR_CUSTOMER)


def _stored_spec_and_context(event, snap: Snapshot) -> tuple[EventSpec, dict]:
    """A stored event's spec and full context (resolved again from its slugs)."""
    resolved = resolve_stored(event, snap)
    context = event_context(event.context or {}, resolved.phase_name, resolved.type_name,
                            resolved.workshop_name or None)
    return resolved.spec, context


def templates_for(spec: EventSpec, context: dict, snap: Snapshot) -> list[TemplateData]:
    """A custom event carries its own subject and body; every other event uses stored templates."""
    if spec.event_type != CUSTOM_EVENT:
        return snap.templates_for(spec.target, spec.phase_id, spec.event_type)
    lookup = {normalise_name(str(k)): v for k, v in context.items()}
    subject, body = str(lookup.get("subject", "") or "Aviso"), str(lookup.get("body", ""))
    return [TemplateData(id="", name="custom", channel=c, target=spec.target, subject=subject, body=body,
                         phase_id=spec.phase_id, event_type=CUSTOM_EVENT) for c in CHANNELS]


def recipient_for(event, customer: CustomerInfo | None, snap: Snapshot) -> Recipient:
    if event.target == "staff":
        workshop_id = str(event.workshop_id) if event.workshop_id else (
            str(customer.workshop_id) if customer and customer.workshop_id else None)
        return staff_recipient(customer, snap.workshop(workshop_id))
    recipient = customer_recipient(customer)
    if event.event_type == REMINDER_EVENT and customer.reminder_email_opt_out:
        return recipient.without_email()
    return recipient


def event_plate(context: dict | None) -> str | None:
    """The vehicle plate an event's context names ({{Placa}} or `plate`), normalised like stored plates."""
    for key, value in (context or {}).items():
        if normalise_name(str(key)) in ("placa", "plate") and isinstance(value, str) and value.strip():
            return normalise_plate(value)
    return None


def outside_vehicle_phases(event, customer: CustomerInfo | None) -> str | None:
    """Why an event is not sent when its vehicle has its own phase order without this phase."""
    order = customer.vehicle_phase_order if customer else None
    if order and event.phase_slug and event.phase_slug not in order:
        return (f"phase '{event.phase_slug}' is not in the phase order of vehicle {event_plate(event.context)} "
                f"({', '.join(order)})")
    return None


def render_key(template: TemplateData, with_html: bool) -> tuple[str, str, bool]:
    """Identifies a rendering within one event: stored templates by id, a custom event's by channel."""
    return template.id, template.channel, with_html


def plan_rows(event, customer: CustomerInfo | None, snap: Snapshot, rendered: RenderCache | None = None,
              resolved: tuple[EventSpec, dict] | None = None,
              slots: list[policy.SlotRequest] | None = None) -> tuple[list[dict], list[str]]:
    """Plan and render every message of an event: row values for the notifications table, and the
    reasons for skipped channels. `rendered` holds messages already rendered for this event, and
    `resolved` its spec and full context when the caller has them (dispatch validated with them).

    Rows that may not go out now are `scheduled` (app/dispatch/policy.py); the backlog slots of
    window-deferred rows are taken at once in the session, or added to `slots` for the caller."""
    skipped = outside_vehicle_phases(event, customer)
    if skipped:
        return [], [skipped]
    spec, context = resolved if resolved is not None else _stored_spec_and_context(event, snap)
    recipient = recipient_for(event, customer, snap)
    type_ids = [t for t in (spec.subtype_id, spec.service_type_id) if t]
    cells = None
    if spec.phase_id:
        matrix = snap.matrix_for(type_ids, spec.target, spec.workshop_id)
        if matrix is None:
            return [], ["no orchestration config for this service type and target"]
        cells = matrix.get(spec.phase_id, [])
    shop = snap.workshop(spec.workshop_id) or snap.workshop(
        str(customer.workshop_id) if customer and customer.workshop_id else None)
    plan = plan_deliveries(spec, cells, templates_for(spec, context, snap), recipient.contacts,
                           recipient.preferences, shop.channels if shop else None,
                           every_channel=spec.event_type == CUSTOM_EVENT, allowed_channels=event.channels)
    messages = plan.messages
    if cells is not None:
        event.strategy = snap.config_policy_for(type_ids, spec.target, spec.workshop_id).strategy
        if event.strategy == "first_available":
            messages = messages[:1]  # the next one only as a fallback, when this one fails for good
    rows = [planned_values(event, customer, planned, context, rendered) for planned in messages]
    requests = policy.schedule_rows(event, rows, snap, shop.id if shop else None, spec.phase_id, utcnow(),
                                    hold="reminder" if event.event_type == APPOINTMENT_REMINDER else None)
    if slots is None:
        policy.take_slots(requests)
    else:
        slots.extend(requests)
    return rows, plan.reasons


def appointment_reminder(event, spec: EventSpec, snap: Snapshot, now: datetime) -> tuple[EventRecord | None, str | None]:
    """The appointment_reminder an appointment_scheduled event schedules when its orchestration
    config asks for one ("recordatorio N horas antes de la cita"), or the reason it cannot. Its
    correlation id is `<appointment_id or correlation_id>:reminder`: a new appointment event with
    the same one replaces the reminder still pending (policy.replace_reminders)."""
    if event.event_type != APPOINTMENT_EVENT or not spec.phase_id:
        return None, None
    type_ids = [t for t in (spec.subtype_id, spec.service_type_id) if t]
    hours = snap.config_policy_for(type_ids, spec.target, spec.workshop_id).reminder_hours
    if not hours:
        return None, None
    at = appointment_time(event.context or {}, policy.workshop_zone(snap, spec.workshop_id))
    if at is None:
        return None, "reminder: the context names no appointment time (fecha + hora, or appointment_at)"
    send_at = at - timedelta(hours=hours)
    if send_at <= now:
        return None, f"reminder: the appointment is less than {hours} h away"
    lookup = {normalise_name(str(k)): v for k, v in (event.context or {}).items()}
    key = str(lookup.get("appointmentid") or event.correlation_id)
    return EventRecord(
        id=uuid.uuid4(), correlation_id=f"{key}:reminder"[:128], event_type=APPOINTMENT_REMINDER,
        service_type_slug=event.service_type_slug, subtype_slug=event.subtype_slug, phase_slug=None,
        target=event.target, workshop_id=event.workshop_id, customer_ref=event.customer_ref,
        context=dict(event.context or {}), channels=event.channels, send_at=send_at, priority="normal",
    ), None


def plan_waiting_event(event: DispatchEvent, customer: CustomerInfo, snap: Snapshot) -> None:
    """The customer arrived: the placeholder row becomes the first planned message (its id stays valid)."""
    placeholder = next((n for n in _event_rows(event) if n.status == NotificationStatus.WAITING_FOR_CUSTOMER), None)
    rows, reasons = plan_rows(event, customer, snap)
    event.status, event.planned_at = "planned", utcnow()
    if placeholder is None:
        db.session.add_all(Notification(**values) for values in rows)
        return
    placeholder.customer_id = customer.id
    if not rows:
        _fail(placeholder, "no_channel", "; ".join(reasons) or "No channel available for this customer.")
        return
    first, rest = rows[0], rows[1:]
    for column in ("channel", "recipient", "template_id", "template_version_id", "subject", "body", "html_body",
                   "payload", "status", "error_code", "error_reason", "failed_at", "scheduled_at",
                   "hold_reason", "urgent"):
        setattr(placeholder, column, first[column])
    db.session.add_all(Notification(**values) for values in rest)


def _event_rows(event: DispatchEvent) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.event_id == event.id)))


def fallback_row(failed: Notification, snap: Snapshot) -> Notification | None:
    """The next channel for a failed message, rendered with that channel's own template."""
    event = failed.event
    customer = load_customer(event.customer_ref, event_plate(event.context))
    if event.target == "clients" and customer is None:
        return None
    spec, context = _stored_spec_and_context(event, snap)
    recipient = recipient_for(event, customer, snap)
    used = {n.channel for n in _event_rows(event) if n.channel}
    shop = snap.workshop(spec.workshop_id)
    planned = plan_fallback(spec, used, templates_for(spec, context, snap), recipient.contacts,
                            recipient.preferences, shop.channels if shop else None, event.channels)
    if planned is None:
        return None
    values = planned_values(event, customer, planned, context)
    values["parent_id"] = failed.id
    policy.take_slots(policy.schedule_rows(event, [values], snap, shop.id if shop else None, spec.phase_id, utcnow()))
    return Notification(**values)


def notification_values(event, customer: CustomerInfo | None, **fields) -> dict:
    """Every column of a new notification row (Core inserts need them all, defaults included)."""
    now = utcnow()
    values = {
        "id": uuid.uuid4(), "event_id": event.id, "correlation_id": event.correlation_id,
        "event_type": event.event_type, "customer_id": customer.id if customer else None,
        "customer_ref": event.customer_ref, "target": event.target, "channel": None, "recipient": "",
        "template_id": None, "template_version_id": None, "subject": "", "body": "", "html_body": "", "payload": None,
        "status": NotificationStatus.QUEUED, "attempts": 0,
        "max_attempts": 1 + len(current_app.config["RETRY_BACKOFF_SECONDS"]), "next_retry_at": None,
        "claimed_at": None, "claim_token": None, "claimed_by": None, "error_code": "", "error_reason": "",
        "provider_message_id": None, "parent_id": None, "created_at": now, "updated_at": now,
        "sent_at": None, "delivered_at": None, "read_at": None, "failed_at": None,
        "scheduled_at": None, "hold_reason": "", "urgent": False, "cap_at": None,
    }
    values.update(fields)
    return values


def planned_values(event, customer: CustomerInfo | None, planned: PlannedMessage, context: dict,
                   cache: RenderCache | None = None) -> dict:
    """Render one planned message into queued row values (failed ones when it cannot render)."""
    template = planned.template
    values = notification_values(
        event, customer, channel=planned.channel, recipient=planned.recipient,
        template_id=_template_uuid(template.id), template_version_id=_template_uuid(template.version_id),
    )
    with_html = planned.channel == "email"
    try:
        rendered = (cache or {}).get(render_key(template, with_html)) or render_message(
            template.subject, template.body, context, html_template=template.html_body, with_html=with_html)
    except MissingVariables as err:
        values.update(status=NotificationStatus.FAILED, error_code="missing_variables", failed_at=values["created_at"],
                      error_reason=f"Template '{template.name}' needs: {', '.join(err.names)}")
        return values
    values.update(subject=rendered.subject, body=rendered.body, html_body=rendered.html_body,
                  payload=_payload(event, planned.channel, context))
    return values


@lru_cache(maxsize=1024)
def _template_uuid(text: str | None) -> uuid.UUID | None:
    """A snapshot template's (or version's) id as the UUID its row stores; parsed once per id, as
    every event of a phase uses the same few templates."""
    return uuid.UUID(text) if text else None


def _payload(event, channel: str, context: dict) -> dict:
    if channel == "push":
        url = next((str(v) for k, v in context.items() if normalise_name(str(k)) == "enlace"), "")
        return {"url": url or current_app.config["FRONTEND_URL"], "tag": f"avisos-{event.correlation_id}",
                "data": {"correlation_id": event.correlation_id, "event_type": event.event_type,
                         "phase": event.phase_slug, "service_type": event.service_type_slug}}
    if channel == "email" and event.event_type == REMINDER_EVENT:
        return {"list_unsubscribe_url": unsubscribe_url(event.customer_ref)}
    return {}


def _fail(row: Notification, code: str, reason: str) -> None:
    row.status, row.error_code, row.error_reason, row.failed_at = NotificationStatus.FAILED, code, reason, utcnow()
