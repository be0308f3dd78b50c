"""POST /api/v1/notifications/events/dispatch/ and the per-event status view callers poll."""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.json_body import body_json
from app.api.openapi import doc
from app.api.schemas.common import FlatErrorBody
from app.api.schemas.events import DispatchAccepted, EventCancelOut, EventStatusOut
from app.delivery import cancel_event
from app.dispatch import DispatchRequest, accept_event, group_commit_enabled
from app.errors import ApiError
from app.extensions import db
from app.models import Notification
from app.orchestration.planning import CUSTOM_EVENT


def _stored_by_the_writer() -> bool:
    """The dispatch writer reads the batch's keys before storing (app/access: refuse_revoked)."""
    return group_commit_enabled(current_app)


@api_v1.post("/notifications/events/dispatch/")
@require_api_key("dispatch", compat=True, rechecked_when=_stored_by_the_writer)
@doc(("Events",), ok=202, model=DispatchAccepted, json=DispatchRequest, errors=(400, 422), error_model=FlatErrorBody)
def dispatch_event():
    """Dispatch a notification event (202: notifications queued). Error bodies carry `error` as a
    readable string here, with `code` and `fields` beside it (docs/CLIENTS.md)."""
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 255:
        raise ApiError(400, "validation_error", "Idempotency-Key is too long.", {"Idempotency-Key": ["At most 255 characters."]})
    payload = body_json()
    if g.api_caller.anonymous and isinstance(payload, dict) and payload.get("event_type") == CUSTOM_EVENT:
        # A custom event carries its own text: only a verified core token or an API key may send one.
        raise ApiError(401, "not_authenticated", "Custom events need an API key or a verified core token "
                                                 "(Authorization: Bearer).")
    status, body = accept_event(payload, api_key_id=g.api_caller.api_key_id, idempotency_key=key,
                                group_commit=True)
    return jsonify(body), status


@api_v1.get("/notifications/events/<correlation_id>/")
@require_api_key("read")
@doc(("Events",), model=EventStatusOut, errors=(404,))
def event_status(correlation_id: str):
    """The notifications of one event and their delivery status."""
    rows = db.session.scalars(
        select(Notification).options(selectinload(Notification.attempts_log))
        .where(Notification.correlation_id == correlation_id).order_by(Notification.created_at)
    ).all()
    if not rows:
        raise ApiError(404, "not_found", f"No event with correlation_id '{correlation_id}'.")
    return jsonify({
        "correlation_id": correlation_id,
        "notifications": [_notification_status(n) for n in rows],
    })


def _iso(value):
    return value.isoformat() if value else None


def _notification_status(n: Notification) -> dict:
    last = n.attempts_log[-1] if n.attempts_log else None
    return {
        "id": str(n.id), "channel": n.channel, "recipient": n.recipient, "status": n.status,
        "attempts": n.attempts, "max_attempts": n.max_attempts, "next_retry_at": _iso(n.next_retry_at),
        "last_error": ({"code": n.error_code, "message": n.error_reason} if n.error_code else None),
        "provider_message_id": n.provider_message_id, "parent_id": str(n.parent_id) if n.parent_id else None,
        "created_at": _iso(n.created_at), "sent_at": _iso(n.sent_at), "delivered_at": _iso(n.delivered_at),
        "failed_at": _iso(n.failed_at), "scheduled_at": _iso(n.scheduled_at), "hold_reason": n.hold_reason or "",
        "urgent": bool(n.urgent),
        "last_attempt": ({"number": last.number, "outcome": last.outcome, "error_code": last.error_code,
                          "at": _iso(last.started_at), "duration_ms": last.duration_ms} if last else None),
    }


@api_v1.post("/notifications/events/<correlation_id>/cancel/")
@require_api_key("dispatch")
@doc(("Events",), model=EventCancelOut, errors=(404,), other={409: EventCancelOut})
def cancel_event_view(correlation_id: str):
    """Cancel every notification of an event not yet sent (scheduled, queued, waiting for a retry
    or for the customer), its appointment reminder included. Idempotent: a repeat answers the same
    lists. 409 when some were already sent (listed in `already_sent`); the rest is cancelled all the same."""
    result = cancel_event(correlation_id, actor=f"API ({g.api_caller.name})")
    if not result.found:
        raise ApiError(404, "not_found", f"No event with correlation_id '{correlation_id}'.")
    body = {"correlation_id": correlation_id, "cancelled": result.cancelled,
            "already_cancelled": result.already_cancelled, "already_sent": result.already_sent,
            "failed": result.failed}
    if result.already_sent:
        body["error"] = f"{len(result.already_sent)} notification(s) of this event were already sent."
        body["code"] = "already_sent"
        return jsonify(body), 409
    return jsonify(body), 200
