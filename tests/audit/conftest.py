"""Audit fixtures: the entries of the log, read back as stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry


def entries(entity_type: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """Entries in the order they were written (optionally of one entity type / action)."""
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def stored_text() -> str:
    """Every entry as the database returns it, as one JSON text (what a secret must never be in)."""
    db.session.expire_all()
    rows = db.session.execute(select(AuditEntry.__table__)).mappings().all()
    return json.dumps([{k: str(v) for k, v in row.items()} for row in rows], ensure_ascii=False)


@pytest.fixture
def audit_log(app):
    class Log:
        entries = staticmethod(entries)
        stored_text = staticmethod(stored_text)

    return Log
