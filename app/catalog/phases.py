"""Phase catalogue sync from the core service, and a vehicle's own phase order.

Full mode deactivates the phases the payload leaves out; it never deletes a phase, so no template
or matrix row is ever cascade-deleted (they stay, unused while the phase is inactive)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import ServicePhase, Vehicle
from app.orchestration.contacts import normalise_plate


@dataclass
class PhaseSyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def sync_phases(items: Sequence[dict], full: bool) -> PhaseSyncResult:
    """Upsert phases by slug; in full mode deactivate the others. Does not commit."""
    result = PhaseSyncResult()
    existing = {p.slug: p for p in db.session.scalars(select(ServicePhase))}
    for item in items:
        phase = existing.get(item["slug"])
        if phase is None:
            phase = ServicePhase(slug=item["slug"])
            db.session.add(phase)
            result.created.append(item["slug"])
        else:
            result.updated.append(item["slug"])
        for name in ("name", "order", "icon", "description", "is_active"):
            if item.get(name) is not None:
                setattr(phase, name, item[name])
    if full:
        sent = {item["slug"] for item in items}
        for slug, phase in existing.items():
            if slug not in sent and phase.is_active:
                phase.is_active = False
                result.deactivated.append(slug)
    return result


class UnknownPhases(ValueError):
    def __init__(self, slugs: list[str]):
        self.slugs = slugs
        super().__init__("unknown phases: " + ", ".join(slugs))


def find_vehicle(plate: str) -> Vehicle | None:
    return db.session.scalar(select(Vehicle).where(Vehicle.plate == normalise_plate(plate)))


def set_vehicle_phase_order(vehicle: Vehicle, phases: Sequence[tuple[str, int, bool]], full: bool = True) -> Vehicle:
    """Store the vehicle's phase order from (slug, order, active) items (known slugs only). `full`
    replaces the order; otherwise the items move, add or (inactive) remove their phases and the
    other stored phases keep their places (an item's order is a 1-based position; on a tie the item
    sent goes first). An empty result restores the global order. Does not commit."""
    known = set(db.session.scalars(select(ServicePhase.slug)))
    unknown = [slug for slug, _, _ in phases if slug not in known]
    if unknown:
        raise UnknownPhases(unknown)
    sent = {slug for slug, _, _ in phases}
    kept = [] if full else [(i + 1, 1, i, slug) for i, slug in enumerate(vehicle.phase_order or []) if slug not in sent]
    placed = [(order, 0, i, slug) for i, (slug, order, active) in enumerate(phases) if active]
    vehicle.phase_order = [slug for *_, slug in sorted(kept + placed)] or None
    return vehicle
