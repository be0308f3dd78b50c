"""Append-only rows (PostgreSQL refuses UPDATE and DELETE) and the retention prune."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app import audit
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow
from app.queue import PRUNE_AUDIT_LOG, SCHEDULE, resolve_job
from tests.audit.conftest import entries


def _entry(days_old: float, label: str = "x") -> AuditEntry:
    row = audit.record("workshop", "w1", "update", label=label)
    row.at = utcnow() - timedelta(days=days_old)
    db.session.commit()
    return row


@pytest.fixture
def postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (CI runs it)")


def test_postgres_refuses_to_update_an_entry(postgres_only):
    row = _entry(0)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditEntry).where(AuditEntry.id == row.id).values(action="delete"))
    db.session.rollback()


def test_postgres_refuses_to_delete_an_entry(postgres_only):
    row = _entry(0)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": row.id})
    db.session.rollback()
    assert len(entries()) == 1


def test_the_prune_setting_lasts_only_for_its_own_transaction(postgres_only, app):
    app.config["AUDIT_RETENTION_DAYS"] = 30
    audit.prune_audit_log()
    row = _entry(0)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == row.id))
    db.session.rollback()


def test_the_prune_deletes_entries_older_than_the_retention_only(app):
    app.config["AUDIT_RETENTION_DAYS"] = 30
    _entry(45, "old")
    _entry(5, "recent")
    result = audit.prune_audit_log()
    assert result["deleted"] == 1
    assert [e.entity_label for e in entries()] == ["recent"]


def test_a_retention_of_zero_keeps_every_entry(app):
    app.config["AUDIT_RETENTION_DAYS"] = 0
    _entry(5000)
    assert audit.prune_audit_log()["deleted"] == 0 and len(entries()) == 1


def test_the_prune_is_a_daily_periodic_job_in_both_modes(app):
    [periodic] = [p for p in SCHEDULE if p.job == PRUNE_AUDIT_LOG]
    assert periodic.every == 86400 and periodic.embedded_every == 86400
    app.config["AUDIT_RETENTION_DAYS"] = 1
    _entry(3)
    assert resolve_job(PRUNE_AUDIT_LOG)()["deleted"] == 1
