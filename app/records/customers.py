"""Customers and their channel preferences: queries and validated writes (the API and the console)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.channels import CHANNELS, DEFAULT_ORDER
from app.extensions import db
from app.models import ChannelPreference, Customer, Workshop
from app.records.common import RecordInvalid, commit_or_refuse
from app.records.search import customer_search


def customer_query(search: str | None = None):
    """Customers, filtered by staff search (name, email, customer id, phone, a vehicle's plate; see search.py)."""
    query = select(Customer).options(selectinload(Customer.preferences))
    if search and search.strip():
        query = query.where(customer_search(search))
    return query.order_by(Customer.last_name, Customer.first_name, Customer.customer_id)


def find_customer(customer_ref: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.customer_id == customer_ref))


CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "whatsapp", "is_active")


def save_customer(customer: Customer | None, values: Mapping[str, Any]) -> Customer:
    """Create (customer=None; values carry customer_id) or overwrite a customer; commits."""
    if values.get("taller_id") and db.session.get(Workshop, values["taller_id"]) is None:
        raise RecordInvalid({"taller_id": ["Unknown workshop."]})
    if customer is None:
        customer = Customer(customer_id=values["customer_id"])
        db.session.add(customer)
    for name in CUSTOMER_FIELDS:
        setattr(customer, name, values[name])
    customer.workshop_id = values.get("taller_id")
    commit_or_refuse({"customer_id": ["A customer with this customer_id already exists."]})
    return customer


def customer_values(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    return {**values, "customer_id": customer.customer_id, "taller_id": customer.workshop_id}


def preference_id(customer: Customer, channel: str) -> uuid.UUID:
    """A customer's preference for a channel has one id, stored or not yet (stable across saves)."""
    return uuid.uuid5(customer.id, channel)


def effective_preferences(customer: Customer) -> list[ChannelPreference]:
    """Stored preferences, completed with the default order for channels never set."""
    stored = {p.channel: p for p in customer.preferences}
    out = list(stored.values())
    next_priority = max((p.priority for p in out), default=0) + 1
    for channel in DEFAULT_ORDER:
        if channel not in stored:
            out.append(ChannelPreference(id=preference_id(customer, channel), channel=channel, enabled=True,
                                         priority=next_priority))
            next_priority += 1
    return sorted(out, key=lambda p: (p.priority, CHANNELS.index(p.channel)))


def set_preferences(customer: Customer, preferences: list[Mapping[str, Any]]) -> list[ChannelPreference]:
    """Upsert the given channels' preferences (others keep theirs); commits. An item's `id`, when
    sent, must be that channel's preference id."""
    channels = [p["channel"] for p in preferences]
    if len(set(channels)) != len(channels):
        raise RecordInvalid({"preferences": ["Each channel may appear once."]})
    stored = {p.channel: p for p in customer.preferences}
    problems = {f"preferences[{i}].id": ["This id belongs to another preference; preferences are matched by channel."]
                for i, item in enumerate(preferences)
                if item.get("id") is not None and item["id"] != (stored[item["channel"]].id if item["channel"] in stored
                                                                 else preference_id(customer, item["channel"]))}
    if problems:
        raise RecordInvalid(problems)
    for item in preferences:
        row = stored.get(item["channel"])
        if row is None:
            row = ChannelPreference(id=preference_id(customer, item["channel"]), channel=item["channel"])
            customer.preferences.append(row)
        row.enabled, row.priority = item["enabled"], item["priority"]
    db.session.commit()
    db.session.refresh(customer)
    return effective_preferences(customer)
