"""/api/v1/webhooks/: outbound webhook endpoints (scope `manage`), their messages, re-sends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import jsonify, request
from sqlalchemy import select

from app import integrations
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import json_object
from app.errors import ApiError
from app.extensions import db
from app.models import WebhookEndpoint, WebhookMessage
from app.models.base import isoformat_z
from app.models.webhooks import WebhookMessageStatus

FIELDS = ("url", "event_types", "description", "active")


def _endpoint(endpoint_id: str) -> WebhookEndpoint:
    endpoint = integrations.get_endpoint(endpoint_id)
    if endpoint is None:
        raise ApiError(404, "not_found", "No webhook endpoint with that id.", {"id": ["Unknown webhook endpoint."]})
    return endpoint


def _invalid(err: integrations.EndpointInputError) -> ApiError:
    return ApiError(400, "validation_error", "The webhook endpoint is invalid.", err.fields)


def _check_fields(payload: dict) -> None:
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise ApiError(400, "validation_error", "Unknown fields.", {k: ["Unknown field."] for k in unknown})
    if "active" in payload and not isinstance(payload["active"], bool):
        raise ApiError(400, "validation_error", "active must be true or false.", {"active": ["Expected a boolean."]})


@api_v1.get("/webhooks/event-types/")
@require_api_key("manage", core_jwt=False)
def webhook_event_types():
    return jsonify({"event_types": list(integrations.EVENT_TYPES)})


@api_v1.get("/webhooks/")
@require_api_key("manage", core_jwt=False)
def list_webhooks():
    rows = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)).all()
    return jsonify({"results": [integrations.serialise_endpoint(r) for r in rows], "count": len(rows)})


@api_v1.post("/webhooks/")
@require_api_key("manage", core_jwt=False)
def create_webhook():
    payload = json_object()
    _check_fields(payload)
    try:
        endpoint, secret = integrations.create_endpoint(payload.get("url"), payload.get("event_types"),
                                                     payload.get("description", ""), payload.get("active", True))
    except integrations.EndpointInputError as err:
        raise _invalid(err) from None
    # The only response that ever carries the secret.
    return jsonify({**integrations.serialise_endpoint(endpoint), "secret": secret}), 201


@api_v1.get("/webhooks/<endpoint_id>/")
@require_api_key("manage", core_jwt=False)
def get_webhook(endpoint_id: str):
    return jsonify(integrations.serialise_endpoint(_endpoint(endpoint_id)))


@api_v1.patch("/webhooks/<endpoint_id>/")
@require_api_key("manage", core_jwt=False)
def update_webhook(endpoint_id: str):
    endpoint = _endpoint(endpoint_id)
    payload = json_object()
    _check_fields(payload)
    try:
        integrations.update_endpoint(endpoint, payload)
    except integrations.EndpointInputError as err:
        db.session.rollback()
        raise _invalid(err) from None
    return jsonify(integrations.serialise_endpoint(endpoint))


@api_v1.delete("/webhooks/<endpoint_id>/")
@require_api_key("manage", core_jwt=False)
def delete_webhook(endpoint_id: str):
    integrations.delete_endpoint(_endpoint(endpoint_id))
    return "", 204


@api_v1.post("/webhooks/<endpoint_id>/rotate-secret/")
@require_api_key("manage", core_jwt=False)
def rotate_webhook_secret(endpoint_id: str):
    endpoint = _endpoint(endpoint_id)
    secret = integrations.rotate_secret(endpoint)
    return jsonify({**integrations.serialise_endpoint(endpoint), "secret": secret})


@api_v1.get("/webhooks/<endpoint_id>/messages/")
@require_api_key("manage", core_jwt=False)
def list_webhook_messages(endpoint_id: str):
    endpoint = _endpoint(endpoint_id)
    status = request.args.get("status")
    if status is not None and status not in WebhookMessageStatus.ALL:
        raise ApiError(400, "validation_error", "Unknown status.",
                       {"status": [f"One of: {', '.join(WebhookMessageStatus.ALL)}."]})
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise ApiError(400, "validation_error", "limit must be 1-500.", {"limit": ["An integer from 1 to 500."]})
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
    if status:
        query = query.where(WebhookMessage.status == status)
    rows = db.session.scalars(query.order_by(WebhookMessage.created_at.desc()).limit(int(limit))).all()
    return jsonify({"results": [_message(m) for m in rows], "count": len(rows)})


def _message(message: WebhookMessage) -> dict:
    iso = isoformat_z
    return {
        "id": message.webhook_id, "event_type": message.event_type, "status": message.status,
        "attempts": message.attempts, "next_attempt_at": iso(message.next_attempt_at),
        "last_status_code": message.last_status_code, "last_error": message.last_error,
        "created_at": iso(message.created_at), "delivered_at": iso(message.delivered_at),
    }


def _message_for(endpoint: WebhookEndpoint, message_id: str) -> WebhookMessage:
    try:
        key = uuid.UUID(message_id.removeprefix("msg_"))
    except ValueError:
        key = None
    message = db.session.get(WebhookMessage, key) if key else None
    if message is None or message.endpoint_id != endpoint.id:
        raise ApiError(404, "not_found", "No such message for this endpoint.", {"message_id": ["Unknown message."]})
    return message


@api_v1.post("/webhooks/<endpoint_id>/messages/<message_id>/resend/")
@require_api_key("manage", core_jwt=False)
def resend_webhook_message(endpoint_id: str, message_id: str):
    message = _message_for(_endpoint(endpoint_id), message_id)
    webhook_id = message.webhook_id
    integrations.resend_webhook(message)
    return jsonify({"status": "queued", "id": webhook_id}), 202


@api_v1.post("/webhooks/<endpoint_id>/retry-failed/")
@require_api_key("manage", core_jwt=False)
def retry_failed_webhook_messages(endpoint_id: str):
    endpoint = _endpoint(endpoint_id)
    since = _parse_since(json_object().get("since"))
    count = integrations.retry_failed_webhooks(endpoint, since)
    return jsonify({"status": "queued", "count": count}), 202


def _parse_since(value) -> datetime:
    try:
        since = datetime.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, "validation_error", "since must be an ISO 8601 date-time.",
                       {"since": ["An ISO 8601 date-time, e.g. 2026-11-20T00:00:00Z."]}) from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)
