"""Slugs to ids against the snapshot: the one resolution of an event's service type, subtype, phase
and workshop. Dispatch resolves an incoming event (every unknown reference reported at once); late
customers and fallbacks resolve a stored event again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.catalog import Snapshot
from app.orchestration.planning import EVENT_TEMPLATE_TYPES, EventSpec


@dataclass(frozen=True)
class ResolvedEvent:
    spec: EventSpec
    type_name: str  # the subtype's name when there is one
    phase_name: str
    workshop_name: str  # "" without a workshop


def resolve(event_type: str, target: str, service_type: str | None, subtype: str | None, phase: str | None,
            workshop: str | None, snap: Snapshot) -> tuple[ResolvedEvent, dict[str, list[str]]]:
    """The event's references resolved, and the unknown ones by request field. A subtype slug given
    as the service type counts as that subtype of its parent; a custom event may name no service
    type; an event without a phase needs an event type with its own templates."""
    problems: dict[str, list[str]] = {}
    stype = snap.types.get(service_type) if service_type else None
    sub = snap.types.get(subtype) if subtype else None
    if service_type and stype is None:
        problems["service_type_id"] = [f"Unknown service type '{service_type}'."]
    elif stype is not None and stype.parent_id is not None:  # a subtype slug given as the type
        sub, stype = stype, snap.types_by_id.get(stype.parent_id)
    if subtype and (sub is None or stype is None or sub.parent_id != stype.id):
        problems["subtype_id"] = [f"Unknown subtype '{subtype}' for this service type."]
    stage = snap.phases.get(phase) if phase else None
    if phase and stage is None:
        problems["phase_id"] = [f"Unknown phase '{phase}'."]
    if not phase and event_type not in EVENT_TEMPLATE_TYPES:
        problems["phase_id"] = ["This field is required."]
    shop = snap.workshop(workshop)
    if workshop and shop is None:
        problems["taller_id"] = [f"Unknown workshop '{workshop}'."]
    spec = EventSpec(
        event_type=event_type, target=target, service_type_id=stype.id if stype else None,
        subtype_id=sub.id if sub else None, phase_id=stage.id if stage else None,
        workshop_id=shop.id if shop else None,
    )
    type_name = (sub or stype).name if stype else ""
    return ResolvedEvent(spec, type_name, stage.name if stage else "", shop.name if shop else ""), problems


def resolve_stored(event: Any, snap: Snapshot) -> ResolvedEvent:
    """A stored event's references again (they were valid when it was accepted). Raises KeyError when
    its service type is gone since; a workshop deactivated since keeps its own matrix and templates."""
    workshop_id = str(event.workshop_id) if event.workshop_id else None
    resolved, _ = resolve(event.event_type, event.target, event.service_type_slug, event.subtype_slug,
                          event.phase_slug, workshop_id, snap)
    if event.service_type_slug and resolved.spec.service_type_id is None:
        raise KeyError(event.service_type_slug)
    if workshop_id and resolved.spec.workshop_id is None:
        resolved = replace(resolved, spec=replace(resolved.spec, workshop_id=workshop_id))
    return resolved
