"""Pull-sync end to end against a second real database (a SQLite file, and a PostgreSQL database
the test creates) that the tests change between runs."""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, select, text

from app.extensions import db
from app.models import Customer, SyncRun, SyncSource, Vehicle
from app.sync import pull as pull_sync
from app.sync.pull_query import Mapping
from tests.conftest import IN_CI, PG_ADMIN_URL

T1 = datetime(2026, 5, 1, 10, 0, 0)
T2 = datetime(2026, 5, 2, 9, 30, 0, 250000)
T3 = datetime(2026, 5, 3, 8, 0, 0)

SCHEMA = [
    """CREATE TABLE users (user_id VARCHAR(64) PRIMARY KEY, name VARCHAR(255) NOT NULL, email VARCHAR(255),
       phone VARCHAR(50), city VARCHAR(100), created_at TIMESTAMP, updated_at TIMESTAMP)""",
    """CREATE TABLE cars (plate VARCHAR(16) PRIMARY KEY, owner VARCHAR(64), brand VARCHAR(80), year INTEGER,
       km INTEGER, updated_at TIMESTAMP)""",
]


class SourceDb:
    """The client's database: a URL we hand to pull-sync and an engine the test writes with."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with self.engine.begin() as conn:
            for statement in SCHEMA:
                conn.execute(text(statement))

    def user(self, user_id: str, name: str, updated_at: datetime, email: str = "", phone: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE user_id = :id"), {"id": user_id})
            conn.execute(text("INSERT INTO users (user_id, name, email, phone, created_at, updated_at) "
                              "VALUES (:id, :name, :email, :phone, :at, :at)"),
                         {"id": user_id, "name": name, "email": email, "phone": phone, "at": updated_at})

    def car(self, plate: str, owner: str, updated_at: datetime, year: int = 2020) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("INSERT INTO cars (plate, owner, brand, year, km, updated_at) "
                              "VALUES (:plate, :owner, 'Kia', :year, 1000, :at)"),
                         {"plate": plate, "owner": owner, "year": year, "at": updated_at})


def _sqlite_source(tmp_path) -> tuple[SourceDb, None]:
    return SourceDb(f"sqlite:///{tmp_path / 'client.db'}"), None


def _postgres_source() -> tuple[SourceDb, str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"avisos_pullsrc_ib_{uuid.uuid4().hex[:8]}"
    admin = os.environ.get("TEST_PG_ADMIN_URL", PG_ADMIN_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and did not answer: {err}")
        pytest.skip(f"PostgreSQL not reachable: {err}")
    return SourceDb(admin.rsplit("/", 1)[0] + f"/{name}"), name


def _drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(os.environ.get("TEST_PG_ADMIN_URL", PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def sources_allowed(app, tmp_path):
    """The test's client databases live on loopback (PostgreSQL) or in tmp_path (SQLite)."""
    app.config.update(SYNC_ALLOWED_HOSTS=["127.0.0.1"], SYNC_SQLITE_FOLDER=str(tmp_path))


@pytest.fixture(params=["sqlite", "postgresql"])
def client_db(request, tmp_path):
    source, pg_name = _sqlite_source(tmp_path) if request.param == "sqlite" else _postgres_source()
    yield source
    source.engine.dispose()
    if pg_name:
        _drop_postgres(pg_name)


def make_source(app, client_db: SourceDb, batch_size: int = 500, vehicles: bool = False) -> SyncSource:
    source = SyncSource(name=f"cliente-{uuid.uuid4().hex[:6]}", batch_size=batch_size, interval_minutes=15,
                        customer_table="users",
                        customer_columns={"customer_id": "user_id", "name": "name", "email": "email",
                                          "phone": "phone", "updated_at": "updated_at"},
                        vehicle_table="cars" if vehicles else "",
                        vehicle_columns={"plate": "plate", "customer_id": "owner", "brand": "brand", "year": "year",
                                         "current_kilometers": "km", "updated_at": "updated_at"} if vehicles else {},
                        watermarks={})
    source.set_url(client_db.url)
    db.session.add(source)
    db.session.commit()
    return source


def stored_ids() -> list[str]:
    return sorted(db.session.scalars(select(Customer.customer_id)))


def test_a_first_run_reads_every_row_and_records_the_run(app, client_db):
    client_db.user("U1", "Carlos Mendoza", T1, email="carlos@example.com")
    client_db.user("U2", "Lucía Torres", T2)
    run = pull_sync.run_source(make_source(app, client_db).id, "manual")
    assert (run.status, run.rows_read, run.rows_upserted, run.rows_rejected) == ("success", 2, 2, 0)
    carlos = db.session.scalar(select(Customer).where(Customer.customer_id == "U1"))
    assert (carlos.first_name, carlos.last_name, carlos.email) == ("Carlos", "Mendoza", "carlos@example.com")
    assert run.finished_at is not None and run.trigger == "manual"


def test_a_second_run_reads_only_rows_changed_since_the_watermark(app, client_db):
    client_db.user("U1", "Carlos Mendoza", T1)
    client_db.user("U2", "Lucía Torres", T2)
    source = make_source(app, client_db)
    pull_sync.run_source(source.id)
    client_db.user("U1", "Carlos Andrés Mendoza", T3)
    run = pull_sync.run_source(source.id)
    assert (run.rows_read, run.rows_upserted) == (1, 1)
    assert db.session.scalar(select(Customer.last_name).where(Customer.customer_id == "U1")) == "Andrés Mendoza"
    assert pull_sync.run_source(source.id).rows_read == 0


def test_rows_sharing_a_timestamp_across_batches_are_neither_skipped_nor_read_again(app, client_db):
    for user_id in ("U1", "U2", "U3", "U4", "U5"):
        client_db.user(user_id, f"Cliente {user_id}", T2)
    source = make_source(app, client_db, batch_size=2)
    first = pull_sync.run_source(source.id)
    assert first.rows_read == 5 and stored_ids() == ["U1", "U2", "U3", "U4", "U5"]
    assert pull_sync.run_source(source.id).rows_read == 0


def test_a_row_added_later_with_the_watermark_timestamp_is_read(app, client_db):
    client_db.user("U1", "Uno", T2)
    client_db.user("U3", "Tres", T2)
    source = make_source(app, client_db)
    pull_sync.run_source(source.id)
    client_db.user("U5", "Cinco", T2)  # same timestamp, key after the watermark's
    run = pull_sync.run_source(source.id)
    assert run.rows_read == 1 and stored_ids() == ["U1", "U3", "U5"]


def test_an_invalid_row_is_rejected_and_the_others_are_applied(app, client_db):
    client_db.user("U1", "Uno", T1, email="no-es-un-correo")
    client_db.user("U2", "Dos", T2, email="dos@example.com")
    source = make_source(app, client_db)
    run = pull_sync.run_source(source.id)
    assert (run.status, run.rows_rejected, run.rows_upserted) == ("success", 1, 1) and stored_ids() == ["U2"]
    assert "U1" in run.details["rejects"][0]
    assert pull_sync.run_source(source.id).rows_read == 0  # the watermark moved past the bad row


def test_vehicles_follow_their_customers_and_unknown_owners_are_rejected(app, client_db):
    client_db.user("U1", "Uno", T1)
    client_db.car("abc-123", "U1", T2)
    client_db.car("XYZ999", "U404", T2)
    run = pull_sync.run_source(make_source(app, client_db, vehicles=True).id)
    vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == "ABC123"))
    assert vehicle.customer.customer_id == "U1" and vehicle.current_kilometers == 1000
    assert run.details["vehicles"] == {"read": 2, "upserted": 1, "rejected": 1}


def test_a_missing_table_fails_the_run_without_moving_the_watermark(app, client_db):
    source = make_source(app, client_db)
    source.customer_table = "no_such_table"
    db.session.commit()
    run = pull_sync.run_source(source.id)
    assert run.status == "failed" and run.error and source.watermarks == {}
    assert source.locked_until is None and source.next_run_at is not None


def test_the_connection_check_names_missing_columns(app, client_db):
    good = Mapping("customers", "users", {"customer_id": "user_id", "updated_at": "updated_at"})
    bad = Mapping("customers", "users", {"customer_id": "user_id", "email": "correo", "updated_at": "updated_at"})
    assert pull_sync.check_connection(client_db.url, [good]).ok
    check = pull_sync.check_connection(client_db.url, [bad])
    assert not check.ok and "correo" in check.messages[0]


def test_a_failed_connection_is_reported_without_the_password(app, monkeypatch):
    monkeypatch.setattr(pull_sync, "CONNECT_TIMEOUT", 1)
    check = pull_sync.check_connection("postgresql://postgres:s3cr3t-pw@127.0.0.1:1/nada", [])
    assert not check.ok and check.messages == [pull_sync.CONNECT_FAILED]


def test_the_url_is_stored_encrypted(app, tmp_path):
    source = SyncSource(name="x", customer_table="users", customer_columns={}, vehicle_columns={}, watermarks={})
    source.set_url("postgresql://lector:clave-secreta@db.cliente.ec:5432/taller")
    assert "clave-secreta" not in source.url_encrypted and "clave-secreta" not in source.url_summary
    assert source.get_url().endswith("@db.cliente.ec:5432/taller")
    assert source.url_summary == "postgresql://db.cliente.ec:5432/taller"


def test_a_source_already_running_is_not_run_twice(app, client_db):
    source = make_source(app, client_db)
    assert pull_sync.claim(source.id)
    assert pull_sync.run_source(source.id) is None
    assert db.session.scalars(select(SyncRun)).all() == []


def test_a_dispatch_waiting_for_a_pulled_customer_is_planned(app, client_db):
    from app.dispatch import accept_event
    from app.models import DispatchEvent
    from tests import factories

    factories.basic_setup()
    _, accepted = accept_event(factories.dispatch_payload())
    assert accepted["status"] == "waiting_for_customer"
    client_db.user("customer-001", "Carlos Mendoza", T1, email="carlos@example.com", phone="+593991234567")
    pull_sync.run_source(make_source(app, client_db).id)
    db.session.remove()
    assert db.session.scalar(select(DispatchEvent.status)) == "planned"


def test_synced_customers_and_failed_runs_are_published(app, client_db):
    from app import integrations
    from app.integrations import create_endpoint
    from app.models import WebhookMessage

    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    app.extensions["avisos_jobs"].mode = "manual"  # keep the webhook deliveries queued
    create_endpoint("http://127.0.0.1:9/hook", ["customer.synced", "sync.failed"])
    integrations.invalidate_subscriptions()
    client_db.user("U1", "Uno", T1)
    source = make_source(app, client_db)
    pull_sync.run_source(source.id)
    source.customer_table = "no_such_table"
    source.watermarks = {}
    db.session.commit()
    pull_sync.run_source(source.id)
    messages = {m.event_type: m.payload for m in db.session.scalars(select(WebhookMessage))}
    assert '"customer_ids":["U1"]' in messages["customer.synced"] and source.name in messages["sync.failed"]


def test_integer_keys_break_ties_in_numeric_order(app, client_db):
    with client_db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE clients (id INTEGER PRIMARY KEY, full_name VARCHAR(100), changed TIMESTAMP)"))
        for key in (2, 10, 11):
            conn.execute(text("INSERT INTO clients VALUES (:id, :name, :at)"), {"id": key, "name": f"N{key}", "at": T2})
    source = make_source(app, client_db, batch_size=2)
    source.customer_table = "clients"
    source.customer_columns = {"customer_id": "id", "name": "full_name", "updated_at": "changed"}
    db.session.commit()
    assert pull_sync.run_source(source.id).rows_read == 3 and stored_ids() == ["10", "11", "2"]
    assert source.watermarks["customers"]["key"] == {"type": "int", "value": 11}
    assert pull_sync.run_source(source.id).rows_read == 0


def test_a_run_out_of_time_stops_between_batches_and_is_due_again(app, client_db):
    for user_id in ("U1", "U2", "U3"):
        client_db.user(user_id, f"Cliente {user_id}", T2)
    source = make_source(app, client_db, batch_size=2)
    first = pull_sync.run_source(source.id, budget=0)
    assert first.status == "success" and first.rows_read == 2 and source.next_run_at <= source.last_run_at
    assert pull_sync.run_source(source.id).rows_read == 1 and stored_ids() == ["U1", "U2", "U3"]
