"""Delivery policy: send windows, backlog rate and caps per workshop and channel, urgent phases.
Edits go through app/catalog/policies.py (shared with the console)."""

from __future__ import annotations

from flask import jsonify

from app import catalog
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import parse_body, parse_query
from app.api.openapi import doc
from app.api.schemas.policies import DeliveryPolicyIn, DeliveryPolicyOut, PolicyQuery, UrgentPhases

from app.errors import ApiError

TAGS = ("Delivery policy",)
BASE = "/notifications/delivery-policy/"


def _workshop(ref: str | None):
    if not ref:
        return None
    found = catalog.find_workshop(ref)
    if found is None:
        raise ApiError(400, "validation_error", "Unknown workshop.", {"taller_id": [f"Unknown workshop '{ref}'."]})
    return found


def _policy_json(workshop) -> dict:
    views = catalog.policies.channel_views(workshop)
    return {"taller_id": str(workshop.id) if workshop else None, "timezone": catalog.policies.timezone_name(workshop),
            "channels": {c: v.as_json() for c, v in views.items()}}


@api_v1.get(BASE)
@require_api_key("read")
@doc(TAGS, model=DeliveryPolicyOut, query=PolicyQuery, errors=(400,))
def get_policy():
    """The effective send windows, backlog rates and caps of a workshop (taller_id) or the global default,
    with when a message sent now would go out on each channel."""
    return jsonify(_policy_json(_workshop(parse_query(PolicyQuery).taller_id)))


@api_v1.put(BASE)
@require_api_key("manage")
@doc(TAGS, model=DeliveryPolicyOut, query=PolicyQuery, json=DeliveryPolicyIn, errors=(400,))
def put_policy():
    """Replace the rules of the channels given (null: back to the default) and the workshop's time zone."""
    workshop = _workshop(parse_query(PolicyQuery).taller_id)
    body = parse_body(DeliveryPolicyIn, what="The delivery policy")
    channels = {c: (v.model_dump() if v is not None else None) for c, v in body.channels.items()}
    try:
        catalog.policies.save_policy(workshop, channels, body.timezone)
    except catalog.policies.PolicyInvalid as err:
        raise ApiError(400, "validation_error", "The delivery policy is not valid; nothing was changed.",
                       err.errors) from None
    return jsonify(_policy_json(workshop))


@api_v1.get(BASE + "urgent-phases/")
@require_api_key("read")
@doc(TAGS, model=UrgentPhases)
def get_urgent_phases():
    """Phases flagged urgent: their messages skip send windows and per-customer caps."""
    return jsonify({"phases": catalog.policies.urgent_phases()})


@api_v1.put(BASE + "urgent-phases/")
@require_api_key("manage")
@doc(TAGS, model=UrgentPhases, json=UrgentPhases, errors=(400,))
def put_urgent_phases():
    """Flag exactly these phases urgent."""
    body = parse_body(UrgentPhases, what="The urgent phases")
    try:
        return jsonify({"phases": catalog.policies.set_urgent_phases(body.phases)})
    except catalog.policies.PolicyInvalid as err:
        raise ApiError(400, "validation_error", "Unknown phases; nothing was changed.", err.errors) from None
