"""Who an event is for: the customer's contacts and preferences, or the workshop's staff contacts."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Customer, PushSubscription
from app.orchestration.contacts import is_valid_email, normalise_phone
from app.orchestration.planning import Contacts, Preference
from app.services.snapshot import WorkshopInfo


@dataclass
class Recipient:
    customer: Customer | None
    contacts: Contacts
    preferences: list[Preference]


def _push_count_column():
    return (select(func.count()).select_from(PushSubscription)
            .where(PushSubscription.customer_id == Customer.id, PushSubscription.is_active)
            .correlate(Customer).scalar_subquery())


def load_customer(customer_ref: str) -> Customer | None:
    """The customer with preferences and active push count, in one round trip (the dispatch hot path)."""
    row = db.session.execute(
        select(Customer, _push_count_column()).options(joinedload(Customer.preferences))
        .where(Customer.customer_id == customer_ref)
    ).unique().first()
    if row is None:
        return None
    customer, push_count = row
    customer.active_push_count = push_count or 0  # plain attribute, not a column
    return customer


def active_push_count(customer: Customer) -> int:
    cached = getattr(customer, "active_push_count", None)
    if cached is not None:
        return cached
    return db.session.scalar(
        select(func.count()).select_from(PushSubscription).where(
            PushSubscription.customer_id == customer.id, PushSubscription.is_active
        )
    ) or 0


def customer_recipient(customer: Customer) -> Recipient:
    country = current_app.config["WHATSAPP_DEFAULT_COUNTRY_CODE"]
    contacts = Contacts(
        email=customer.email if is_valid_email(customer.email) else "",
        whatsapp=normalise_phone(customer.whatsapp_number, country),
        push_subscriptions=active_push_count(customer),
        push_ref=customer.customer_id,
    )
    prefs = [Preference(p.channel, p.enabled, p.priority) for p in customer.preferences]
    return Recipient(customer, contacts, prefs)


def staff_recipient(customer: Customer | None, workshop: WorkshopInfo | None) -> Recipient:
    """Staff messages go to the workshop's staff addresses; staff have no push subscriptions."""
    country = current_app.config["WHATSAPP_DEFAULT_COUNTRY_CODE"]
    contacts = Contacts(
        email=workshop.staff_email if workshop and is_valid_email(workshop.staff_email) else "",
        whatsapp=normalise_phone(workshop.staff_whatsapp, country) if workshop else "",
    )
    return Recipient(customer, contacts, [])
