"""Web Push for the PWA: subscribe / unsubscribe, a customer's status, the VAPID public key.
The `push` scope allows only these endpoints (a key safe to embed in a PWA)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app import records
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import iso, parse_body
from app.api.openapi import doc
from app.api.schemas.push import PushStatusOut, SubscribeIn, SubscriptionOut, UnsubscribeIn, VapidKeyOut
from app.errors import ApiError

TAGS = ("Push",)


@api_v1.post("/notifications/push/subscribe/")
@require_api_key("push", compat=True)
@doc(TAGS, ok=201, model=SubscriptionOut, json=SubscribeIn, errors=(400,))
def subscribe():
    """Subscribe a browser: 201 for a new endpoint, 200 for a known one (updated, reactivated, moved
    to this customer, its failure count reset)."""
    body = parse_body(SubscribeIn, what="The subscription")
    problem = records.endpoint_problem(body.subscription.endpoint)
    if problem:
        raise ApiError(400, "validation_error", "The subscription is not valid.", {"subscription.endpoint": [problem]})
    customer = records.find_customer(body.customer_id)
    if customer is None:
        raise ApiError(400, "validation_error", "Unknown customer.", {"customer_id": ["Unknown customer."]})
    agent = body.user_agent or request.headers.get("User-Agent", "")
    browser = body.subscription
    row, created = records.subscribe(customer, browser.endpoint, browser.keys.p256dh, browser.keys.auth,
                                                agent, body.expires_at)
    return jsonify({"id": str(row.id), "customer_id": customer.customer_id, "endpoint": row.endpoint,
                    "is_active": row.is_active, "last_used_at": iso(row.last_success_at),
                    "failure_count": row.failure_count, "expires_at": iso(row.expires_at), "created": created,
                    "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}), 201 if created else 200


@api_v1.delete("/notifications/push/subscribe/")
@require_api_key("push", compat=True)
@doc(TAGS, ok=204, json=UnsubscribeIn, errors=(400, 404))
def unsubscribe():
    """Remove the subscription with this endpoint (JSON body `{endpoint}`)."""
    body = parse_body(UnsubscribeIn, what="The request")
    if not records.unsubscribe(body.endpoint):
        raise ApiError(404, "not_found", "No subscription with this endpoint.")
    return "", 204


@api_v1.get("/notifications/push/status/<customer_id>/")
@require_api_key("push", compat=True)
@doc(TAGS, model=PushStatusOut, errors=(404,))
def push_status(customer_id: str):
    """Whether the customer has an active push subscription."""
    customer = records.find_customer(customer_id)
    if customer is None:
        raise ApiError(404, "not_found", f"No customer with customer_id '{customer_id}'.")
    count = records.active_count(customer)
    return jsonify({"has_subscription": count > 0, "subscription_count": count})


@api_v1.get("/notifications/push/vapid-public-key/")
@require_api_key("push")
@doc(TAGS, model=VapidKeyOut, errors=(503,))
def vapid_public_key():
    """The VAPID public key a PWA subscribes with (applicationServerKey)."""
    key = current_app.config.get("VAPID_PUBLIC_KEY") or ""
    if not key:
        raise ApiError(503, "push_not_configured", "Web Push is not configured (VAPID_PUBLIC_KEY).")
    return jsonify({"public_key": key})
