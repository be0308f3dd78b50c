"""Migration g17capindex01: notifications keep one index that starts with customer_id
(ix_notifications_cap), and lookups by customer_id alone still use an index. Runs on a database of
its own (tests/migrations/conftest.py)."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db

REVISION = "g17capindex01"


def notification_indexes() -> set[str]:
    db.session.remove()
    return {index["name"] for index in inspect(db.engine).get_indexes("notifications")}


def test_the_customer_id_index_goes_and_the_cap_index_stays(migration_app):
    upgrade(revision=REVISION)
    indexes = notification_indexes()
    assert "ix_notifications_customer_id" not in indexes
    assert "ix_notifications_cap" in indexes


def test_downgrade_brings_the_customer_id_index_back(migration_app):
    upgrade(revision=REVISION)
    downgrade(revision="e15urgent0002")
    assert "ix_notifications_customer_id" in notification_indexes()


def test_a_lookup_by_customer_alone_uses_the_cap_index_on_postgresql(migration_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plan asked is PostgreSQL's")
    upgrade(revision=REVISION)
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT id FROM notifications WHERE customer_id = :customer"),
            {"customer": "00000000-0000-0000-0000-000000000001"}).scalars())
    assert "ix_notifications_cap" in plan
