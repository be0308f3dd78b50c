"""Migration e14search0001: rows that exist before it get their search columns filled by the normaliser
(and, on PostgreSQL, the trigram indexes exist afterwards). Runs on a database of its own
(tests/migrations/conftest.py)."""

from __future__ import annotations

import uuid

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db

REVISION = "e14search0001"
CUSTOMER = text("""INSERT INTO customers (id, customer_id, first_name, last_name, email, phone, whatsapp, is_active,
  reminder_email_opt_out, sync_version, created_at, updated_at)
  VALUES (:id, 'C-1', 'José', 'Ordóñez', 'Jose@Example.com', '0968367322', '', true, false, 0, :now, :now)""")
VEHICLE = text("""INSERT INTO vehicles (id, customer_id, plate, brand, model, year, image_url, sync_version,
  created_at, updated_at) VALUES (:id, :owner, 'UCC-8299', 'Chevrolet', 'Sail Sedán', 2019, '', 0, :now, :now)""")


def revision_before(app) -> str:
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script.get_revision(REVISION).down_revision


def test_existing_rows_get_their_search_columns_filled(migration_app):
    upgrade(revision=revision_before(migration_app))
    owner, car, now = uuid.uuid4(), uuid.uuid4(), "2026-01-01 00:00:00"
    params = {"id": owner.hex if db.engine.dialect.name == "sqlite" else owner, "now": now}
    db.session.execute(CUSTOMER, params)
    db.session.execute(VEHICLE, {"id": car.hex if db.engine.dialect.name == "sqlite" else car,
                                 "owner": params["id"], "now": now})
    db.session.commit()

    upgrade(revision=REVISION)

    assert db.session.execute(text("SELECT search_text FROM customers")).scalar_one() == (
        "jose ordonez jose@example.com c-1 593968367322")
    vehicle_text = db.session.execute(text("SELECT search_text FROM vehicles")).scalar_one()
    assert vehicle_text == "ucc8299 chevrolet sail sedan 2019"


def test_postgresql_gets_the_trigram_indexes(migration_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    upgrade(revision=REVISION)
    found = set(db.session.execute(text(
        "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")).scalars())
    assert found == {"ix_customers_search_trgm", "ix_vehicles_search_trgm"}
