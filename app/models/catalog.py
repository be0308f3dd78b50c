"""Service phases and service types (a type may have subtypes)."""

from __future__ import annotations

import uuid
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UUIDPrimaryKey


class ServicePhase(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "service_phases"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(64), default="")
    order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "Urgente": its messages skip send windows and per-customer caps (e.g. the vehicle is ready).
    is_urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Urgent only until this local hour ("HH:MM", e.g. "21:00": the day's window is lengthened to
    # it); None: urgent at any hour.
    urgent_until: Mapped[Optional[str]] = mapped_column(String(5), nullable=True, default=None)

    def __str__(self) -> str:
        return self.name


class ServiceType(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "service_types"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(64), default="")
    order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("service_types.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Optional["ServiceType"]] = relationship(
        remote_side="ServiceType.id", back_populates="subtypes"
    )
    subtypes: Mapped[list["ServiceType"]] = relationship(
        back_populates="parent", order_by="ServiceType.order"
    )

    @property
    def root(self) -> "ServiceType":
        return self.parent or self

    def __str__(self) -> str:
        return self.name
