"""POST /api/internal/v1/providers/evolution/webhook/: Evolution API delivery receipts
(`messages.update`) and inbound customer messages (`messages.upsert`, app/inbox).

Authenticated by EVOLUTION_WEBHOOK_SECRET in the URL (`?secret=`) or the `X-Webhook-Secret` header
(not the internal secret: Evolution is configured with a URL, and may only carry that). Answers fast
and idempotently because Evolution retries. With "webhook by events" Evolution appends the event
name to the URL (…/webhook/messages-update), which is accepted too.
"""

from __future__ import annotations

import hmac

from flask import current_app, jsonify, request

from app import delivery, inbox
from app.api.blueprints import internal_v1
from app.api.json_body import body_json
from app.errors import ApiError


def _check_secret() -> None:
    expected = current_app.config.get("EVOLUTION_WEBHOOK_SECRET") or ""
    presented = request.args.get("secret") or request.headers.get("X-Webhook-Secret") or ""
    if not expected or not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        delivery.log_rejected("evolution")
        raise ApiError(401, "invalid_webhook_secret",
                       "Missing or invalid secret (?secret= or X-Webhook-Secret); is EVOLUTION_WEBHOOK_SECRET set?")


@internal_v1.post("/providers/evolution/webhook/")
@internal_v1.post("/providers/evolution/webhook/<event_suffix>")
def evolution_webhook(event_suffix: str | None = None):
    _check_secret()
    payload = body_json()
    if not isinstance(payload, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object.", {"body": ["Expected a JSON object."]})
    if event_suffix and not payload.get("event"):
        payload["event"] = event_suffix.replace("-", ".")
    counts = inbox.receive_evolution(payload) if inbox.is_upsert(payload) else delivery.apply_evolution(payload)
    return jsonify({"status": "ok", **counts})
