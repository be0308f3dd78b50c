"""Notification templates: staff-edited text with {{Variable}} placeholders (data, never code)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from app.models.catalog import ServicePhase, ServiceType
from app.models.workshops import Workshop


class NotificationTemplate(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "notification_templates"
    __table_args__ = (
        Index("ix_templates_lookup", "channel", "target", "service_type_id", "phase_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16), default="clients")
    # Phase templates name a phase; event templates (e.g. maintenance_reminder) name an event type.
    event_type: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    service_type_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("service_types.id", ondelete="RESTRICT")
    )
    phase_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("service_phases.id", ondelete="RESTRICT")
    )
    subtype_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("service_types.id", ondelete="RESTRICT")
    )
    workshop_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    # Optional staff-written HTML for email; when empty the HTML part is built from `body`.
    html_body: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The reference's "Por defecto" flag: shown as a badge and preferred in template pickers
    # (for_context lists defaults first); dispatch's choice does not depend on it.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # The newest saved version (app/catalog/versions.py keeps one per save): its number and id, which
    # the snapshot hands to dispatch so each notification records the version it was rendered from.
    version_number: Mapped[int] = mapped_column(Integer, default=0)
    current_version_id: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid)

    service_type: Mapped[Optional[ServiceType]] = relationship(foreign_keys=[service_type_id])
    subtype: Mapped[Optional[ServiceType]] = relationship(foreign_keys=[subtype_id])
    phase: Mapped[Optional[ServicePhase]] = relationship()
    workshop: Mapped[Optional[Workshop]] = relationship()

    def __str__(self) -> str:
        return self.name


class TemplateVersion(UUIDPrimaryKey, db.Model):
    """A template's text as one save left it (number 1 = as created). Never edited afterwards."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_template_versions_number"),)

    # Kept (NULL) when the template is deleted: the notifications rendered from it still show the text.
    template_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notification_templates.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who saved it: a console user's email, "api:<key name>", "cli" or "system".
    created_by: Mapped[str] = mapped_column(String(254), default="")
    # The version this one restored, when it is a restore.
    restored_from: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[Optional[NotificationTemplate]] = relationship()
