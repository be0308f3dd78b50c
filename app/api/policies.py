"""Delivery policy: send windows, backlog rate and caps per workshop and channel, urgent phases.
Edits go through app/catalog/policies.py (shared with the console)."""

from __future__ import annotations

from flask import jsonify

from app import catalog
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import parse_body, parse_query
from app.api.openapi import doc
from app.api.schemas.policies import (
    DeliveryPolicyIn,
    DeliveryPolicyOut,
    PolicyQuery,
    UrgentPhaseIn,
    UrgentPhases,
    UrgentPhasesOut,
)

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
@doc(TAGS, model=UrgentPhasesOut)
def get_urgent_phases():
    """Phases flagged urgent: their messages skip send windows and per-customer caps (with
    `urgent_until`, only until that local hour)."""
    return jsonify(_urgent_json())


def _urgent_json() -> dict:
    return {"phases": catalog.policies.urgent_phases(), "urgent_until": catalog.policies.urgent_until()}


@api_v1.put(BASE + "urgent-phases/")
@require_api_key("manage")
@doc(TAGS, model=UrgentPhasesOut, json=UrgentPhases, errors=(400,))
def put_urgent_phases():
    """Flag exactly these phases urgent: a slug, or {"slug", "until": "HH:MM"} to bound it by a
    local hour; `urgent_until` (as read) bounds slugs given plainly."""
    body = parse_body(UrgentPhases, what="The urgent phases")
    slugs: list[str] = []
    until: dict[str, str | None] = {}
    fields: dict[str, str] = {}
    for index, item in enumerate(body.phases):
        if isinstance(item, UrgentPhaseIn):
            slugs.append(item.slug)
            until[item.slug] = item.until
            fields[item.slug] = f"phases.{index}.until"
        else:
            slugs.append(item)
    extra = {}
    for slug, value in body.urgent_until.items():
        if slug in until and until[slug] != value:
            raise ApiError(400, "validation_error", "Two different bounds for one phase; nothing was changed.",
                           {f"urgent_until.{slug}": [f"'{slug}' has another 'until' in phases."]})
        if slug not in until:
            extra[slug] = value
    until.update(extra)
    try:
        catalog.policies.set_urgent_phases(slugs, until, fields)
    except catalog.policies.PolicyInvalid as err:
        raise ApiError(400, "validation_error", "The urgent phases are not valid; nothing was changed.",
                       err.errors) from None
    return jsonify(_urgent_json())
