"""Workshops (talleres) and their per-channel switches."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamps, UUIDPrimaryKey


class Workshop(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "workshops"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # Where staff-targeted notifications go.
    staff_email: Mapped[str] = mapped_column(String(254), default="")
    staff_whatsapp: Mapped[str] = mapped_column(String(32), default="")
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    whatsapp_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    push_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # IANA time zone of the workshop's send windows ("" = TIMEZONE).
    timezone: Mapped[str] = mapped_column(String(64), default="")

    def channel_enabled(self, channel: str) -> bool:
        return bool(getattr(self, f"{channel}_enabled"))

    def __str__(self) -> str:
        return self.name
