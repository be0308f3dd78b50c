"""The audit log: one row per change to configuration (who, what, when, before/after) and per
sign-in event. Rows are append-only: nothing in Avisos updates them, and on PostgreSQL a trigger
refuses UPDATE and DELETE except for the retention prune (app/audit/prune.py, migration e16audit0001).
Written only through app/audit."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow


class AuditEntry(UUIDPrimaryKey, db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_entity", "entity_type", "entity_id", "at"),
        Index("ix_audit_entries_actor", "actor_label", "at"),
    )

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # user | api_key | cli | system | internal | anonymous
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[Optional[str]] = mapped_column(String(64))
    # The user's e-mail, the API key's name, "cli", "system"...: readable after the actor is gone.
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    # template | matrix_cell | orchestration_config | workshop | user | api_key | webhook | ...
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    entity_label: Mapped[str] = mapped_column(String(255), default="")
    # create | update | delete | revoke | restore | sign_in | sign_in_failed | lockout | ...
    action: Mapped[str] = mapped_column(String(32))
    # {field: [before, after]}, secrets redacted (app/audit/redaction.py); details for other actions.
    changes: Mapped[dict] = mapped_column(db.JSON, default=dict)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
