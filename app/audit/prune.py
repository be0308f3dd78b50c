"""Retention: entries older than AUDIT_RETENTION_DAYS are deleted by a periodic job (0 keeps them
forever). The only DELETE the PostgreSQL guard lets through: it sets `avisos.audit_prune` for its
own transaction (migration e16audit0001)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, text

from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow


def prune_audit_log(now: datetime | None = None) -> dict:
    days = int(current_app.config.get("AUDIT_RETENTION_DAYS") or 0)
    if days <= 0:
        return {"retention_days": 0, "deleted": 0}
    cutoff = (now or utcnow()) - timedelta(days=days)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL avisos.audit_prune = 'on'"))
    deleted = db.session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return {"retention_days": days, "deleted": int(deleted or 0), "cutoff": cutoff.isoformat()}
