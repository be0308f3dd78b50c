"""Orchestration configs (service type x target x optional workshop) and their phase x channel matrix."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey
from app.models.catalog import ServicePhase, ServiceType
from app.models.templates import NotificationTemplate
from app.models.workshops import Workshop


class OrchestrationConfig(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "orchestration_configs"
    __table_args__ = (UniqueConstraint("service_type_id", "target", "workshop_id"),)

    service_type_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("service_types.id", ondelete="RESTRICT"), index=True
    )
    target: Mapped[str] = mapped_column(String(16), default="clients")
    workshop_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # all: every enabled channel; first_available: the customer's first usable channel, the next
    # only when it fails for good (app/orchestration/policy.py).
    strategy: Mapped[str] = mapped_column(String(24), default="all")
    # appointment_scheduled events also schedule an appointment_reminder this many hours before.
    reminder_hours_before: Mapped[Optional[int]] = mapped_column(Integer)

    service_type: Mapped[ServiceType] = relationship()
    workshop: Mapped[Optional[Workshop]] = relationship()
    cells: Mapped[list["PhaseChannelConfig"]] = relationship(
        back_populates="config", cascade="all, delete-orphan"
    )


class PhaseChannelConfig(UUIDPrimaryKey, Timestamps, db.Model):
    """One cell of the matrix: is `channel` on for `phase`, and with which template (None = automatic)."""

    __tablename__ = "phase_channel_configs"
    __table_args__ = (UniqueConstraint("config_id", "phase_id", "channel"),)

    config_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orchestration_configs.id", ondelete="CASCADE")
    )
    phase_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("service_phases.id", ondelete="RESTRICT")
    )
    channel: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    template_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notification_templates.id", ondelete="SET NULL")
    )

    config: Mapped[OrchestrationConfig] = relationship(back_populates="cells")
    phase: Mapped[ServicePhase] = relationship()
    template: Mapped[Optional[NotificationTemplate]] = relationship()


class DeliveryPolicy(UUIDPrimaryKey, Timestamps, db.Model):
    """One channel's send window, backlog rate and per-customer cap for a workshop (workshop_id
    None: the global default every workshop without its own row follows)."""

    __tablename__ = "delivery_policies"
    __table_args__ = (UniqueConstraint("workshop_id", "channel"),)

    workshop_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    # {"mon": ["08:00-19:00"], ...}; None: any hour. Closed dates: ["2026-01-01", ...].
    hours: Mapped[Optional[dict]] = mapped_column(db.JSON)
    closed_dates: Mapped[list] = mapped_column(db.JSON, default=list)
    # Messages per minute when a window opens on a backlog (None: no spread).
    per_minute: Mapped[Optional[float]] = mapped_column(Float)
    # Per-customer cap (None: the CUSTOMER_CAPS default; 0: no cap) per rolling `cap_minutes`.
    cap_count: Mapped[Optional[int]] = mapped_column(Integer)
    cap_minutes: Mapped[Optional[int]] = mapped_column(Integer)

    workshop: Mapped[Optional[Workshop]] = relationship()


class SendSlot(db.Model):
    """How many window-deferred messages already wait for one opening of one channel and workshop:
    an atomic counter that spreads an opening's backlog (app/dispatch/policy.py)."""

    __tablename__ = "send_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    opening: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
