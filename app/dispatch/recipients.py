"""Who an event is for: the customer's contacts and preferences, or the workshop's staff contacts.

Customers are read with Core queries into a plain `CustomerInfo` (the dispatch hot path needs
no ORM entity: no identity map, no expiry on commit).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import psycopg
from flask import current_app
from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from app import pg_direct
from app.catalog import WorkshopInfo
from app.extensions import db
from app.models import ChannelPreference, Customer, PushSubscription, Vehicle
from app.orchestration.contacts import is_valid_email, normalise_phone
from app.orchestration.planning import Contacts, Preference


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

    def without_email(self) -> Recipient:
        return Recipient(self.customer, replace(self.contacts, email=""), self.preferences)


@lru_cache(maxsize=2)
def _customers_query(postgresql: bool):
    """Built once: constructing the statement costs more than running it. PostgreSQL binds the
    list as one array (`= ANY`), so the SQL text is the same for any number of customers, and
    answers for vehicles in the same statement: the column `phase_orders` is {plate: phase order}
    of the customer's vehicles among the bound `plates`."""
    push_count = (select(func.count()).select_from(PushSubscription)
                  .where(PushSubscription.customer_id == Customer.id, PushSubscription.is_active)
                  .correlate(Customer).scalar_subquery())
    columns = [Customer.id, Customer.customer_id, Customer.email, Customer.phone, Customer.whatsapp,
               Customer.workshop_id, Customer.reminder_email_opt_out, push_count.label("push_count"),
               ChannelPreference.channel, ChannelPreference.enabled, ChannelPreference.priority]
    if postgresql:
        refs, plates = bindparam("refs", type_=ARRAY(String)), bindparam("plates", type_=ARRAY(String))
        columns.append(
            select(func.json_object_agg(Vehicle.plate, Vehicle.phase_order))
            .where(Vehicle.customer_id == Customer.id, Vehicle.plate == any_(plates),
                   Vehicle.phase_order.is_not(None))
            .correlate(Customer).scalar_subquery().label("phase_orders"))
        match = Customer.customer_id == any_(refs)
    else:
        match = Customer.customer_id.in_(bindparam("refs", expanding=True))
    return (select(*columns)
            .outerjoin(ChannelPreference, ChannelPreference.customer_id == Customer.id)
            .where(match))


@lru_cache(maxsize=1)
def _phase_orders_query():
    """The phase orders of the named customers' vehicles with the named plates (elsewhere than
    PostgreSQL, where the customers query answers for them)."""
    return (select(Customer.customer_id.label("ref"), Vehicle.plate, Vehicle.phase_order)
            .join(Customer, Customer.id == Vehicle.customer_id)
            .where(Customer.customer_id.in_(bindparam("refs", expanding=True)),
                   Vehicle.plate.in_(bindparam("plates", expanding=True)), Vehicle.phase_order.is_not(None)))


def load_customers(wanted: Iterable[tuple[str, str | None]],
                   connection: psycopg.Connection | None = None) -> dict[tuple[str, str | None], CustomerInfo]:
    """Customers by (customer_ref, plate): each with its preferences, active push subscription
    count and, given a plate, that vehicle's own phase order. One statement on PostgreSQL for any
    number of events (the dispatch writer loads a whole batch at once, on its own `connection`;
    others on the session's); unknown customers are absent."""
    wanted = list(dict.fromkeys(wanted))
    refs = list(dict.fromkeys(ref for ref, _ in wanted))
    if not refs:
        return {}
    plates = list(dict.fromkeys(plate for _, plate in wanted if plate))
    orders: dict[tuple[str, str], tuple[str, ...]] = {}
    if pg_direct.active():
        customer_rows = pg_direct.fetch_all(_customers_query(True), {"refs": refs, "plates": plates}, connection)
        vehicle_orders = ((row.customer_id, plate, order) for row in customer_rows
                          for plate, order in (row.phase_orders or {}).items())
    else:
        customer_rows = list(db.session.execute(_customers_query(False), {"refs": refs}))
        vehicle_orders = (db.session.execute(_phase_orders_query(), {"refs": refs, "plates": plates})
                          if plates else ())
    for ref, plate, order in vehicle_orders:
        if order:
            orders.setdefault((ref, plate), tuple(order))
    by_ref: dict[str, list] = {}
    for row in customer_rows:
        by_ref.setdefault(row.customer_id, []).append(row)
    found: dict[tuple[str, str | None], CustomerInfo] = {}
    for ref, plate in wanted:
        rows = by_ref.get(ref)
        if not rows:
            continue
        first = rows[0]
        found[(ref, plate)] = CustomerInfo(
            id=first.id, customer_id=first.customer_id, email=first.email or "",
            whatsapp_number=first.whatsapp or first.phone or "", workshop_id=first.workshop_id,
            reminder_email_opt_out=bool(first.reminder_email_opt_out), push_count=first.push_count or 0,
            preferences=tuple(Preference(r.channel, r.enabled, r.priority) for r in rows if r.channel is not None),
            vehicle_phase_order=orders.get((ref, plate)) if plate else None,
        )
    return found


def load_customer(customer_ref: str, plate: str | None = None) -> CustomerInfo | None:
    """One customer (see load_customers)."""
    return load_customers([(customer_ref, plate)]).get((customer_ref, plate))


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
