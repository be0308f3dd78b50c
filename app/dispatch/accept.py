"""Accept an event: validate, resolve, render, then plan and store the notification rows in one
transaction and hand them to delivery. The 202 is built only after the commit."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import access, integrations, pg_direct
from app.catalog import Snapshot, get_snapshot
from app.channels import DEFAULT_ORDER
from app.dispatch import plan, policy
from app.dispatch.recipients import load_customers
from app.dispatch.request import DispatchRequest, parse_dispatch
from app.dispatch.resolve import ResolvedEvent, resolve
from app.dispatch.writer import WriterUnavailable, dispatch_writer
from app.errors import ApiError
from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from app.models.enums import NotificationStatus
from app.orchestration.planning import CUSTOM_EVENT, EventSpec, choose_template
from app.orchestration.policy import PolicyError, effective_send_at
from app.orchestration.rendering import MissingVariables, build_lookup, render_message
from app.queue import request_delivery

log = logging.getLogger(__name__)


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def resolve_event(req: DispatchRequest, snap: Snapshot) -> ResolvedEvent:
    """Slugs to ids; every unknown reference is reported at once (400)."""
    resolved, problems = resolve(req.event_type, req.target, req.service_type_id, req.subtype_id, req.phase_id,
                                 req.taller_id, snap)
    if problems:
        raise ApiError(400, "validation_error", "The event references unknown data.", problems)
    return resolved


def check_templates(resolved: ResolvedEvent, context: dict, snap: Snapshot,
                    req_channels: list[str] | None = None) -> plan.RenderCache:
    """Every template this event could use (the matrix's channels for the phase; every channel for
    event-type templates) must render with the given context. Reports all missing names at once.

    Returns what it rendered, so planning does not render the same templates again."""
    spec = resolved.spec
    templates = plan.templates_for(spec, context, snap)
    if spec.event_type == CUSTOM_EVENT and not any(t.body.strip() for t in templates):
        raise ApiError(400, "validation_error", "A custom event needs context.body.",
                       {"context.body": ["This field is required for event_type 'custom'."]})
    if spec.phase_id:
        matrix = snap.matrix_for([t for t in (spec.subtype_id, spec.service_type_id) if t], spec.target,
                                 spec.workshop_id)
        channels = [(c.channel, c.template_id) for c in (matrix or {}).get(spec.phase_id, []) if c.enabled]
    else:
        channels = [(c, None) for c in DEFAULT_ORDER if req_channels is None or c in req_channels]
    missing: dict[str, list[str]] = {}
    rendered: plan.RenderCache = {}
    lookup = build_lookup(context)  # once for every channel's template
    for channel, cell_template in channels:
        template = choose_template(templates, spec, channel, cell_template)
        if template is None:
            continue
        try:
            with_html = channel == "email"
            rendered[plan.render_key(template, with_html)] = render_message(
                template.subject, template.body, context, html_template=template.html_body, with_html=with_html,
                lookup=lookup)
        except MissingVariables as err:
            for name in err.names:
                missing.setdefault(name, []).append(channel)
    if missing:
        names = sorted(missing)
        raise ApiError(
            400, "missing_variables", "The context lacks variables the templates use: " + ", ".join(names),
            {"context": [f"Missing variable '{n}' (used by {', '.join(missing[n])})." for n in names],
             "missing_variables": names},
        )
    return rendered


def _stored_response(event: DispatchEvent, body_hash: str, key_from_memory: bool) -> tuple[int, dict]:
    if key_from_memory:  # the API request's key may be revoked since: no stored answer for it either
        access.refuse_revoked([event.api_key_id])
    if event.request_hash != body_hash:
        raise ApiError(422, "idempotency_key_reused",
                       "This Idempotency-Key was used with a different request body.",
                       {"Idempotency-Key": ["Already used with a different body."]})
    return 202, event.response or {}


def _find_idempotent(api_key_id, key: str) -> DispatchEvent | None:
    return db.session.execute(
        select(DispatchEvent).where(DispatchEvent.api_key_id == api_key_id, DispatchEvent.idempotency_key == key)
    ).scalar_one_or_none()


@dataclass
class PreparedEvent:
    """A validated, rendered event ready to be planned against its customer and stored."""

    event: plan.EventRecord
    plate: str | None
    rendered: plan.RenderCache
    spec: EventSpec
    context: dict  # the caller's context with what Avisos fills (Fase, Taller, ...)
    api_key_id: Any
    idempotency_key: str | None
    body_hash: str | None


def accept_event(payload: Any, api_key_id=None, idempotency_key: str | None = None,
                 group_commit: bool = False) -> tuple[int, dict]:
    """The dispatch use case. Returns (status, body); raises ApiError for client errors.

    With `group_commit` (the API endpoint), the event is stored by this process's dispatch writer
    together with other requests' events (app/dispatch/writer.py); otherwise in the
    caller's session and transaction, committed here.
    """
    # The request hash and the stored response only serve a repeat with the same Idempotency-Key.
    body_hash = request_hash(payload) if idempotency_key else None
    if idempotency_key:
        existing = _find_idempotent(api_key_id, idempotency_key)
        if existing is not None:
            return _stored_response(existing, body_hash, group_commit)
    prepared = prepare_event(payload, api_key_id, idempotency_key, body_hash)
    writer = (dispatch_writer(store_batch, after_commit=announce_stored,
                              on_thread_exit=pg_direct.release_writer_connection) if group_commit else None)
    try:
        if writer is not None:
            # Never wait on the writer holding a pooled connection (an Idempotency-Key lookup's, say):
            # with every request thread waiting like that, a writer that needs one of the pool's (to
            # refresh the snapshot) would wait for them, and they for it, until the pool timed out.
            # The commit ends the request's read and gives its connection back. Only a session this
            # request opened can hold one: the usual dispatch opens none (its key came from memory),
            # and creating one just to commit nothing cost about 5 % of a web process's CPU.
            if db.session.registry.has() and db.session().in_transaction():
                db.session.commit()
            stored = writer.submit(prepared)
        else:
            [stored] = store_events([prepared])
            announce_stored([stored])
    except IntegrityError:
        db.session.rollback()
        existing = _find_idempotent(api_key_id, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _stored_response(existing, body_hash, group_commit)
    except WriterUnavailable:
        raise ApiError(503, "busy", "The event could not be stored in time; retry with the same "
                                    "Idempotency-Key.") from None
    return 202, stored.response


def prepare_event(payload: Any, api_key_id, idempotency_key: str | None, body_hash: str | None) -> PreparedEvent:
    """Validate, resolve and render (every 400 is raised here, before anything is stored)."""
    req = parse_dispatch(payload)
    snap = get_snapshot()
    resolved = resolve_event(req, snap)
    context = plan.event_context(req.context, resolved.phase_name, resolved.type_name,
                                    resolved.workshop_name or None)
    rendered = check_templates(resolved, context, snap, req.channels)
    try:
        send_at = effective_send_at(req.send_at_time(), utcnow(), current_app.config["MAX_SCHEDULE_DAYS"])
    except PolicyError as err:
        raise ApiError(400, "validation_error", "The event is not valid.", {err.field: [str(err)]}) from None
    event = plan.EventRecord(
        id=uuid.uuid4(), correlation_id=req.correlation_id or str(uuid.uuid4()), event_type=req.event_type,
        service_type_slug=req.service_type_id, subtype_slug=req.subtype_id, phase_slug=req.phase_id,
        target=req.target, workshop_id=uuid.UUID(resolved.spec.workshop_id) if resolved.spec.workshop_id else None,
        customer_ref=req.customer_id, context=dict(req.context), channels=req.channels,
        send_at=send_at, priority=req.priority,
    )
    return PreparedEvent(event, plan.event_plate(req.context), rendered, resolved.spec, context, api_key_id,
                         idempotency_key, body_hash)


@dataclass(frozen=True)
class StoredEvent:
    """A committed event: its 202 body and the notification rows written for it."""

    response: dict
    rows: list[dict]


def store_events(batch: Sequence[PreparedEvent], connection: psycopg.Connection | None = None) -> list[StoredEvent]:
    """Plan each event against its customer, write the events and their notification rows with
    one multi-row INSERT per table and COMMIT. Returns each event's 202 body and rows; the caller
    then calls announce_stored.

    This is the hot path: no ORM entities, and on PostgreSQL the statements go through psycopg
    (app/pg_direct.py): on the session's connection, or on `connection`, a dispatch writer's
    autocommit connection (one SELECT, one INSERT statement). Raises (nothing committed) when
    storing fails; the caller rolls back.
    """
    planned = plan_events(batch, connection)
    with access.revoked_keys_refused():
        if connection is not None:
            pg_direct.insert_committed(connection, planned.inserts)
            policy.replace_reminders(planned.reminders, planned.event_ids, connection)
        else:
            policy.replace_reminders(planned.reminders, planned.event_ids)  # in the same transaction
            pg_direct.insert_and_commit(planned.inserts)
    return planned.stored


@dataclass(frozen=True)
class PlannedBatch:
    """A batch ready to be written: the INSERTs (events, then rows) and what each event answers."""

    inserts: list
    stored: list[StoredEvent]
    reminders: list[str] = ()  # correlation ids of appointment reminders: pending older ones are replaced

    @property
    def event_ids(self) -> list[uuid.UUID]:
        return [event["id"] for event in self.inserts[0][1]]


def plan_events(batch: Sequence[PreparedEvent], connection: psycopg.Connection | None = None) -> PlannedBatch:
    """Load the batch's customers (one SELECT) and plan every event's rows; nothing is written
    (but the backlog counters of window-deferred rows are taken, app/dispatch/policy.py)."""
    snap = get_snapshot()
    now = utcnow()
    events: list[dict] = []
    rows: list[dict] = []
    stored: list[StoredEvent] = []
    slots: list[policy.SlotRequest] = []
    reminders: list[str] = []
    customers = load_customers(((p.event.customer_ref, p.plate) for p in batch), connection)
    for prepared in batch:
        event = prepared.event
        customer = customers.get((event.customer_ref, prepared.plate))
        waiting = customer is None and event.target == "clients"
        reminder = None
        if waiting:
            event_rows, errors = [plan.waiting_placeholder(event)], []
        else:
            event_rows, errors = plan.plan_rows(event, customer, snap, prepared.rendered,
                                                (prepared.spec, prepared.context), slots)
            reminder, reason = plan.appointment_reminder(event, prepared.spec, snap, now)
            if reason:
                errors = [*errors, reason]
        reminder_rows: list[dict] = []
        if reminder is not None:
            reminder_rows, reminder_errors = plan.plan_rows(reminder, customer, snap, slots=slots)
            errors = [*errors, *(f"reminder: {e}" for e in reminder_errors)]
            if reminder_rows:
                events.append(_event_values(reminder, None, now, planned=True))
                reminders.append(reminder.correlation_id)
            else:
                reminder = None
        response = _response(event, waiting, event_rows, errors, reminder, reminder_rows)
        events.append(_event_values(event, prepared, now, planned=not waiting,
                                    response=response if prepared.idempotency_key else None))
        rows.extend(event_rows)
        rows.extend(reminder_rows)
        stored.append(StoredEvent(response, event_rows + reminder_rows))
    policy.take_slots(slots, connection)
    # The reminder's event goes first: the 202 body is the dispatched event's (stored below it).
    return PlannedBatch([(DispatchEvent.__table__, events), (Notification.__table__, rows)], stored, reminders)


def _event_values(event, prepared: PreparedEvent | None, now, planned: bool, response: dict | None = None) -> dict:
    return {
        **vars(event), "status": "planned" if planned else "waiting_for_customer",
        "api_key_id": prepared.api_key_id if prepared else None,
        "idempotency_key": prepared.idempotency_key if prepared else None,
        "request_hash": prepared.body_hash if prepared else None, "response": response,
        "created_at": now, "planned_at": now if planned else None,
    }


def store_batch(batch: Sequence[PreparedEvent]) -> list[StoredEvent]:
    """store_events for the dispatch writer: on PostgreSQL on the writer thread's own connection.

    The request threads may have taken the batch's API keys from memory (app/api/auth.py): a key
    revoked since fails the batch with 401 before anything is written (on PostgreSQL the INSERT's
    trigger checks, elsewhere one SELECT first: app/access/api_keys.py), and the writer then stores
    the batch one event at a time, so only that key's events are refused.

    That connection is kept between batches, so the server may drop it (a restart, an idle
    timeout, `pg_terminate_backend`). A batch whose connection is lost is stored once more on a
    new one; when the loss came after its INSERT was sent, the events are looked up first, since
    PostgreSQL may have committed the statement before the connection went (all or nothing: one
    statement). A second loss raises (the requests answer 503).
    """
    if not pg_direct.active():
        access.refuse_revoked(prepared.api_key_id for prepared in batch)
        return store_events(batch)
    planned: PlannedBatch | None = None
    for attempt in (1, 2):
        connection = pg_direct.writer_connection()
        try:
            if planned is None:
                planned = plan_events(batch, connection)
            elif pg_direct.count_existing(connection, DispatchEvent.__table__, planned.event_ids):
                return planned.stored  # the lost INSERT had committed
            with access.revoked_keys_refused():
                pg_direct.insert_committed(connection, planned.inserts)
            policy.replace_reminders(planned.reminders, planned.event_ids, connection)
            return planned.stored
        except DBAPIError:
            if attempt == 2 or not pg_direct.writer_connection_lost():
                raise
            log.warning("dispatch writer: the database dropped the connection; storing the batch on a new one")
            # The same blip may have taken the session's connection too (the snapshot is read
            # through the session): its transaction is ended, or the retry fails on it.
            db.session.rollback()
    raise AssertionError("unreachable")


def announce_stored(stored: Sequence[StoredEvent]) -> None:
    """After the commit: wake a delivery lane once, and publish notification.queued for each row."""
    if any(s.response["notifications_queued"] for s in stored):
        request_delivery()
    _publish_queued([row for s in stored for row in s.rows])


def _publish_queued(rows: list[dict]) -> None:
    """notification.queued for each queued row of an accepted event (after its commit)."""
    events = [("notification.queued", integrations.notification_data(r, recipient=r["recipient"]))
              for r in rows if r["status"] == NotificationStatus.QUEUED]
    if events:
        integrations.publish(events)


def _row_summary(row: dict) -> dict:
    summary = {"id": str(row["id"]), "channel": row["channel"], "recipient": row["recipient"], "status": row["status"]}
    if row.get("scheduled_at") is not None:
        summary["scheduled_at"] = row["scheduled_at"].isoformat()
    return summary


def _response(event, waiting: bool, rows: list[dict], errors: list[str], reminder=None,
              reminder_rows: list[dict] = ()) -> dict:
    queued = [r for r in rows if r["status"] in (NotificationStatus.QUEUED, NotificationStatus.SCHEDULED)]
    body = {
        "success": True,
        "status": "waiting_for_customer" if waiting else "accepted",
        "correlation_id": event.correlation_id,
        "notifications_queued": len(queued),
        "errors": errors,
        "notifications": [_row_summary(r) for r in rows],
    }
    if reminder is not None:
        body["reminder"] = {"correlation_id": reminder.correlation_id, "send_at": reminder.send_at.isoformat(),
                            "notifications": [_row_summary(r) for r in reminder_rows]}
    if waiting:
        body["message"] = (f"Customer '{event.customer_ref}' is not synced yet; the event will be processed "
                           f"when it is (within {current_app.config['CUSTOMER_WAIT_SECONDS']} s).")
    elif not queued:
        body["message"] = "The event was accepted but resolved to no channel."
    return body
