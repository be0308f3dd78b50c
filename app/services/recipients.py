"""Who an event is for: the customer's contacts and preferences, or the workshop's staff contacts.

Customers are read with one Core query into a plain `CustomerInfo` (the dispatch hot path needs
no ORM entity: no identity map, no expiry on commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, select

from app.channels.base import PushTarget
from app.extensions import db
from app.models import ChannelPreference, Customer, PushSubscription, Vehicle
from app.orchestration.contacts import is_valid_email, normalise_phone
from app.orchestration.planning import Contacts, Preference
from app.services.snapshot import WorkshopInfo


@dataclass(frozen=True)
class CustomerInfo:
    id: uuid.UUID
    customer_id: str
    email: str
    whatsapp_number: str
    workshop_id: uuid.UUID | None
    reminder_email_opt_out: bool
    push_count: int
    preferences: tuple[Preference, ...]
    # The phases the event's vehicle goes through, in order, when the core system set them.
    vehicle_phase_order: tuple[str, ...] | None = None


@dataclass
class Recipient:
    customer: CustomerInfo | None
    contacts: Contacts
    preferences: list[Preference]

    def without_email(self) -> "Recipient":
        return Recipient(self.customer, replace(self.contacts, email=""), self.preferences)


@lru_cache(maxsize=1)
def _customer_query():
    """Built once: constructing the statement costs more than running it (bound by `ref`)."""
    push_count = (select(func.count()).select_from(PushSubscription)
                  .where(PushSubscription.customer_id == Customer.id, PushSubscription.is_active)
                  .correlate(Customer).scalar_subquery())
    # The event's vehicle (by the plate in its context) rides along in the same round trip.
    phase_order = (select(Vehicle.phase_order)
                   .where(Vehicle.customer_id == Customer.id, Vehicle.plate == bindparam("plate"))
                   .correlate(Customer).limit(1).scalar_subquery())
    return (
        select(Customer.id, Customer.customer_id, Customer.email, Customer.phone, Customer.whatsapp,
               Customer.workshop_id, Customer.reminder_email_opt_out, push_count.label("push_count"),
               phase_order.label("phase_order"),
               ChannelPreference.channel, ChannelPreference.enabled, ChannelPreference.priority)
        .outerjoin(ChannelPreference, ChannelPreference.customer_id == Customer.id)
        .where(Customer.customer_id == bindparam("ref"))
    )


def load_customer(customer_ref: str, plate: str | None = None) -> CustomerInfo | None:
    """The customer with its preferences, active push subscription count and, given a plate, that
    vehicle's own phase order: one round trip."""
    rows = db.session.execute(_customer_query(), {"ref": customer_ref, "plate": plate or ""}).all()
    if not rows:
        return None
    first = rows[0]
    prefs = tuple(Preference(r.channel, r.enabled, r.priority) for r in rows if r.channel is not None)
    return CustomerInfo(
        id=first.id, customer_id=first.customer_id, email=first.email or "",
        whatsapp_number=first.whatsapp or first.phone or "", workshop_id=first.workshop_id,
        reminder_email_opt_out=bool(first.reminder_email_opt_out), push_count=first.push_count or 0,
        preferences=prefs, vehicle_phase_order=tuple(first.phase_order) if first.phase_order else None,
    )


def active_push_targets(customer_id: uuid.UUID) -> tuple[PushTarget, ...]:
    """The customer's active browser subscriptions, as the push adapter takes them."""
    subs = db.session.scalars(select(PushSubscription).where(
        PushSubscription.customer_id == customer_id, PushSubscription.is_active))
    return tuple(PushTarget(str(s.id), s.endpoint, s.p256dh, s.auth) for s in subs)


def customer_recipient(customer: CustomerInfo) -> Recipient:
    country = current_app.config["WHATSAPP_DEFAULT_COUNTRY_CODE"]
    contacts = Contacts(
        email=customer.email if is_valid_email(customer.email) else "",
        whatsapp=normalise_phone(customer.whatsapp_number, country),
        push_subscriptions=customer.push_count,
        push_ref=customer.customer_id,
    )
    return Recipient(customer, contacts, list(customer.preferences))


def staff_recipient(customer: CustomerInfo | None, workshop: WorkshopInfo | None) -> Recipient:
    """Staff messages go to the workshop's staff addresses; staff have no push subscriptions."""
    country = current_app.config["WHATSAPP_DEFAULT_COUNTRY_CODE"]
    contacts = Contacts(
        email=workshop.staff_email if workshop and is_valid_email(workshop.staff_email) else "",
        whatsapp=normalise_phone(workshop.staff_whatsapp, country) if workshop else "",
    )
    return Recipient(customer, contacts, [])
