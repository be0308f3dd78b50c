"""Orchestration configs (service type x target x optional workshop) and their phase x channel matrix."""

from __future__ import annotations

import uuid
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UUIDPrimaryKey
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
