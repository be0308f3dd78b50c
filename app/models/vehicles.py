"""Vehicles and their maintenance reminders (by date and/or by kilometres)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey
from app.models.catalog import ServiceType
from app.models.customers import Customer
from app.models.enums import ReminderStatus, ReminderType
from app.orchestration.search import vehicle_text


class Vehicle(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "vehicles"

    customer_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    # The core system's own id for the vehicle (`vehicle_id` in its sync payloads), when it sends one.
    core_vehicle_id: Mapped[Optional[str]] = mapped_column(String(128), index=True)
    brand: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    year: Mapped[Optional[int]] = mapped_column(Integer)
    current_kilometers: Mapped[Optional[int]] = mapped_column(Integer)
    last_service_date: Mapped[Optional[date]] = mapped_column(Date)
    next_service_kilometers: Mapped[Optional[int]] = mapped_column(Integer)
    image_url: Mapped[str] = mapped_column(Text, default="")
    sync_version: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # A vehicle's own phase order (slugs), set by the core system; empty means the global order.
    phase_order: Mapped[Optional[list]] = mapped_column(db.JSON)
    # Plate, brand, model, year and core id normalised for search (app/orchestration/search.py);
    # written on every ORM write (below). On PostgreSQL a trigram GIN index serves it (e14search0001).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    customer: Mapped[Optional[Customer]] = relationship()
    reminders: Mapped[list["MaintenanceReminder"]] = relationship(
        back_populates="vehicle", cascade="all, delete-orphan"
    )

    @property
    def description(self) -> str:
        """"Haval H6 2024": brand, model and year, whichever are known (the reference's display_name)."""
        return " ".join(str(p) for p in (self.brand, self.model, self.year) if p)

    @property
    def remaining_km(self) -> int | None:
        """Kilometres left before the next service (never negative); None without a target."""
        if not self.next_service_kilometers:
            return None
        return max(0, self.next_service_kilometers - (self.current_kilometers or 0))

    def __str__(self) -> str:
        return self.plate

    def normalised_search_text(self) -> str:
        return vehicle_text(self.plate, self.brand, self.model, self.year, self.core_vehicle_id)


@event.listens_for(Vehicle, "before_insert")
@event.listens_for(Vehicle, "before_update")
def _vehicle_search_text(mapper, connection, target: Vehicle) -> None:
    target.search_text = target.normalised_search_text()


def _type_of_targets(ctx) -> str:
    """A new reminder without an explicit type gets the one its targets imply."""
    params = ctx.get_current_parameters()
    return ReminderType.of(params.get("due_date"), params.get("due_kilometers"))


class MaintenanceReminder(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "maintenance_reminders"
    __table_args__ = (Index("ix_reminders_status_due", "status", "due_date"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    service_type_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("service_types.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200), default="Mantenimiento preventivo")
    description: Mapped[str] = mapped_column(Text, default="")
    # What triggers it (the reference's `type`): kilometers, date or both. The targets are
    # due_date / due_kilometers (the reference's target_date / target_kilometers).
    reminder_type: Mapped[str] = mapped_column(String(16), default=lambda ctx: _type_of_targets(ctx))
    due_date: Mapped[Optional[date]] = mapped_column(Date)
    due_kilometers: Mapped[Optional[int]] = mapped_column(Integer)
    # Channels the customer wants this reminder on (the reference's notify_via); empty: any channel.
    notify_via: Mapped[list] = mapped_column(db.JSON, default=list)
    notify_before_days: Mapped[int] = mapped_column(Integer, default=7)
    notify_before_km: Mapped[int] = mapped_column(Integer, default=500)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.PENDING)
    last_notified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    notified_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    vehicle: Mapped[Vehicle] = relationship(back_populates="reminders")
    customer: Mapped[Customer] = relationship()
    service_type: Mapped[Optional[ServiceType]] = relationship()
