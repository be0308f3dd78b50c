"""Customers (synced from the core system), their channel preferences and push subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey
from app.models.search import country_code
from app.models.workshops import Workshop
from app.orchestration.search import customer_text


class Customer(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "customers"

    # The core system's identifier; the API addresses customers by it.
    customer_id: Mapped[str] = mapped_column(String(128), unique=True)
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    whatsapp: Mapped[str] = mapped_column(String(32), default="")
    workshop_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("workshops.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # One-click unsubscribe (RFC 8058) from reminder emails; service updates still go out.
    reminder_email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_version: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Name, email, customer id and phones normalised for search (app/orchestration/search.py); written
    # on every ORM write (below). On PostgreSQL a trigram GIN index serves it (migration e14search0001).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    workshop: Mapped[Optional[Workshop]] = relationship()
    preferences: Mapped[list["ChannelPreference"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="ChannelPreference.priority"
    )
    push_subscriptions: Mapped[list["PushSubscription"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()

    @property
    def whatsapp_number(self) -> str:
        return self.whatsapp or self.phone

    def __str__(self) -> str:
        return self.full_name or self.customer_id

    def normalised_search_text(self) -> str:
        return customer_text(self.first_name, self.last_name, self.email, self.customer_id,
                             (self.phone, self.whatsapp), country_code())


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _customer_search_text(mapper, connection, target: Customer) -> None:
    target.search_text = target.normalised_search_text()


class ChannelPreference(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "channel_preferences"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship(back_populates="preferences")


class PushSubscription(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "push_subscriptions"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(255))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    deactivated_reason: Mapped[str] = mapped_column(String(255), default="")
    # The browser's PushSubscription.expirationTime, when it gives one.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="push_subscriptions")
