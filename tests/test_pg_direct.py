"""The dispatch path's direct statements (psycopg on PostgreSQL, Core elsewhere)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import pg_direct
from app.dispatch.recipients import load_customers
from app.extensions import db
from app.models import Customer, DispatchEvent, Notification
from app.models.base import utcnow
from tests import factories as f


def event_values(**overrides) -> dict:
    now = utcnow()
    values = {
        "id": uuid.uuid4(), "correlation_id": "corr-1", "event_type": "appointment_scheduled",
        "service_type_slug": "mantenimiento-preventivo", "subtype_slug": None, "phase_slug": "phase-schedule",
        "target": "clients", "workshop_id": None, "customer_ref": "customer-001",
        "context": {"nombre": "Carlos", "placa": "ABC123"}, "channels": ["email"], "status": "planned", "api_key_id": None,
        "idempotency_key": None, "request_hash": "h" * 64, "response": {"success": True, "errors": []},
        "created_at": now, "planned_at": now, "send_at": None, "priority": "normal", "strategy": "all",
    }
    values.update(overrides)
    return values


def notification_values(event_id, **overrides) -> dict:
    now = utcnow()
    values = {
        "id": uuid.uuid4(), "event_id": event_id, "correlation_id": "corr-1", "event_type": "appointment_scheduled",
        "customer_id": None, "customer_ref": "customer-001", "target": "clients", "channel": "email",
        "recipient": "carlos@example.com", "template_id": None, "template_version_id": None, "subject": "Cita",
        "body": "Hola Carlos ñandú",
        "html_body": "<p>Hola</p>", "payload": None, "status": "queued", "attempts": 0, "max_attempts": 4,
        "next_retry_at": None, "claimed_at": None, "claim_token": None, "claimed_by": None, "error_code": "", "error_reason": "",
        "provider_message_id": None, "parent_id": None, "created_at": now, "updated_at": now, "sent_at": None,
        "delivered_at": None, "read_at": None, "failed_at": None, "scheduled_at": None, "hold_reason": "",
        "urgent": False, "cap_at": None,
    }
    values.update(overrides)
    return values


def test_inserted_rows_read_back_with_every_value(app):
    event = event_values()
    rows = [notification_values(event["id"], channel=c, payload={"url": "https://x.test"} if c == "push" else None)
            for c in ("email", "whatsapp", "push")]
    pg_direct.insert_and_commit([(DispatchEvent.__table__, [event])], commit=False)
    pg_direct.insert_and_commit([(Notification.__table__, rows)], commit=False)
    db.session.commit()
    db.session.remove()
    stored = db.session.get(DispatchEvent, event["id"])
    assert stored.context == event["context"] and stored.response == event["response"]
    assert stored.created_at == event["created_at"]
    by_channel = {n.channel: n for n in db.session.scalars(select(Notification))}
    assert by_channel["push"].payload == {"url": "https://x.test"}
    assert by_channel["email"].payload is None and by_channel["email"].body == "Hola Carlos ñandú"
    assert by_channel["whatsapp"].event_id == event["id"] and by_channel["whatsapp"].status == "queued"


def test_more_rows_than_one_statement_holds_are_all_inserted(app):
    events = [event_values(correlation_id=f"corr-{n}") for n in range(pg_direct._MAX_ROWS_PER_INSERT + 5)]
    pg_direct.insert_and_commit([(DispatchEvent.__table__, events)], commit=False)
    db.session.commit()
    assert len(db.session.scalars(select(DispatchEvent.id)).all()) == len(events)


def test_a_duplicate_key_raises_sqlalchemy_integrity_error(app):
    key_id = uuid.uuid4()

    def keyed_event():
        return [(DispatchEvent.__table__, [event_values(api_key_id=key_id, idempotency_key="k")])]

    pg_direct.insert_and_commit(keyed_event(), commit=False)
    db.session.commit()
    with pytest.raises(IntegrityError):
        pg_direct.insert_and_commit(keyed_event(), commit=False)
    db.session.rollback()


def test_customers_of_a_batch_load_with_preferences_and_vehicle_phase_order(app):
    first = f.customer("customer-1", preferences=[("email", True, 1), ("whatsapp", False, 2)])
    f.customer("customer-2", email="ana@example.com")
    f.vehicle(first, plate="ABC123", phase_order=["phase-schedule", "phase-delivery"])
    db.session.commit()
    found = load_customers([("customer-1", "ABC123"), ("customer-2", None), ("missing", None)])
    assert set(found) == {("customer-1", "ABC123"), ("customer-2", None)}
    one = found[("customer-1", "ABC123")]
    assert one.vehicle_phase_order == ("phase-schedule", "phase-delivery")
    assert sorted((p.channel, p.enabled) for p in one.preferences) == [("email", True), ("whatsapp", False)]
    assert found[("customer-2", None)].email == "ana@example.com"
    assert found[("customer-2", None)].vehicle_phase_order is None


def test_pending_orm_changes_commit_with_the_inserts(app):
    f.customer("customer-orm")
    event = event_values()
    pg_direct.insert_and_commit([(DispatchEvent.__table__, [event])])
    db.session.remove()
    assert db.session.get(DispatchEvent, event["id"]) is not None
    assert db.session.scalar(select(Customer.id).where(Customer.customer_id == "customer-orm")) is not None


def test_a_failed_insert_commits_nothing_of_the_transaction(app):
    key_id = uuid.uuid4()
    pg_direct.insert_and_commit([(DispatchEvent.__table__, [event_values(api_key_id=key_id, idempotency_key="k")])])
    f.customer("customer-orm")
    with pytest.raises(IntegrityError):
        pg_direct.insert_and_commit([(DispatchEvent.__table__, [event_values(api_key_id=key_id, idempotency_key="k")])])
    db.session.rollback()
    db.session.remove()
    assert db.session.scalar(select(Customer.id).where(Customer.customer_id == "customer-orm")) is None
    assert len(db.session.scalars(select(DispatchEvent.id)).all()) == 1


@pytest.fixture
def writer_connection(app):
    """A dispatch writer's autocommit connection (PostgreSQL only: the writer's path)."""
    if not pg_direct.active():
        pytest.skip("the writer connection is PostgreSQL's path")
    yield pg_direct.writer_connection()
    pg_direct.release_writer_connection()


def stored_counts() -> tuple[int, int]:
    db.session.remove()
    return (len(db.session.scalars(select(DispatchEvent.id)).all()),
            len(db.session.scalars(select(Notification.id)).all()))


def test_writer_insert_stores_both_tables_in_one_committed_statement(app, writer_connection):
    events = [event_values(correlation_id=f"corr-{n}") for n in range(3)]
    rows = [notification_values(e["id"], channel=c) for e in events for c in ("email", "whatsapp")]
    pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, events), (Notification.__table__, rows)])
    assert writer_connection.info.transaction_status == 0  # idle: nothing left open
    assert stored_counts() == (3, 6)
    assert db.session.get(Notification, rows[0]["id"]).event_id == events[0]["id"]


def test_writer_insert_failure_stores_nothing_of_the_batch(app, writer_connection):
    key_id = uuid.uuid4()
    first = event_values(api_key_id=key_id, idempotency_key="k")
    pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, [first])])
    batch = [event_values(), event_values(api_key_id=key_id, idempotency_key="k")]
    rows = [notification_values(batch[0]["id"])]
    with pytest.raises(IntegrityError):
        pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, batch), (Notification.__table__, rows)])
    assert stored_counts() == (1, 0)
    pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, [event_values()])])  # still usable
    assert stored_counts() == (2, 0)


def test_writer_insert_past_the_parameter_limit_is_one_transaction(app, writer_connection, monkeypatch):
    monkeypatch.setattr(pg_direct, "_MAX_PARAMS", 10)
    events = [event_values(correlation_id=f"corr-{n}") for n in range(pg_direct._MAX_ROWS_PER_INSERT + 2)]
    rows = [notification_values(e["id"]) for e in events]
    pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, events), (Notification.__table__, rows)])
    assert stored_counts() == (len(events), len(rows))
    more = [event_values() for _ in range(3)]
    dangling = [notification_values(more[0]["id"]), notification_values(uuid.uuid4())]  # no such event
    with pytest.raises(IntegrityError):
        pg_direct.insert_committed(writer_connection, [(DispatchEvent.__table__, more), (Notification.__table__, dangling)])
    assert stored_counts() == (len(events), len(rows))


def test_a_broken_writer_connection_is_replaced(app, writer_connection):
    writer_connection.close()
    fresh = pg_direct.writer_connection()
    assert fresh is not writer_connection and not fresh.closed and fresh.autocommit


def test_a_released_writer_connection_is_closed_and_frees_its_place_in_the_pool(app):
    if not pg_direct.active():
        pytest.skip("the writer connection is PostgreSQL's path")
    connection = pg_direct.writer_connection()
    checked_out = db.engine.pool.checkedout()
    pg_direct.release_writer_connection()
    assert db.engine.pool.checkedout() == checked_out - 1
    assert connection.closed


def test_a_writer_connection_names_its_process_and_thread(app, writer_connection):
    name = writer_connection.execute("SELECT current_setting('application_name')").fetchone()[0]
    assert name == pg_direct.writer_application_name()


def test_a_writer_loads_customers_with_phase_orders_in_one_statement(app, writer_connection):
    first = f.customer("customer-1", preferences=[("email", True, 1), ("whatsapp", False, 2)])
    f.vehicle(first, plate="ABC123", phase_order=["phase-schedule", "phase-delivery"])
    f.vehicle(first, plate="XYZ999", phase_order=["phase-repair"])
    f.customer("customer-2", email="ana@example.com")
    db.session.commit()
    wanted = [("customer-1", "ABC123"), ("customer-1", "XYZ999"), ("customer-1", None), ("customer-2", "NOPE1"),
              ("missing", None)]
    assert load_customers(wanted, writer_connection) == load_customers(wanted)
    found = load_customers(wanted, writer_connection)
    assert found[("customer-1", "XYZ999")].vehicle_phase_order == ("phase-repair",)
    assert found[("customer-2", "NOPE1")].vehicle_phase_order is None
