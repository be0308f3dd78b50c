"""The database goes away for a moment (pg_terminate_backend on every connection of the test
database): requests answer 503 with Retry-After, never 500; every process heals by itself; nothing
accepted is lost or sent twice."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import event, func, select

from app import delivery
from app.extensions import db
from app.models import DeliveryAttempt, DispatchEvent, Notification
from tests.faults.harness import (
    DISPATCH_URL,
    Tally,
    claimer_of,
    client_poster,
    event_payload,
    received,
    run_workload,
    terminate_connections,
    wait_until,
)

pytestmark = pytest.mark.fault


@pytest.fixture
def grouped(make_app, app, fault_data, peer_settings):
    """An app storing API dispatches through the group-commit writer, as gunicorn does; its jobs
    are only recorded (delivery runs in the test, after the fault)."""
    from app.dispatch import stop_dispatch_writer

    built = make_app(JOBS_MODE="manual", **peer_settings)
    yield built
    stop_dispatch_writer(built)
    with built.app_context():
        db.session.remove()
        db.engine.dispose()


def deliver_everything(app_) -> None:
    with app_.app_context():
        while delivery.deliver_due(batch_size=50, budget_seconds=30)["ok"]:
            pass
        db.session.remove()


def stored_counts(app_) -> tuple[int, int, set[str]]:
    with app_.app_context():
        events = db.session.scalar(select(func.count()).select_from(DispatchEvent))
        rows = {str(i) for i in db.session.scalars(select(Notification.id))}
        sent = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.status == "sent"))
        db.session.remove()
    return events, sent, rows


def test_connections_terminated_while_idle_the_first_requests_after_succeed(grouped, api_key, pg_url, smtp_peer,
                                                                            evolution_peer):
    client = grouped.test_client()
    headers = {"X-API-Key": api_key}
    warm = client.post(DISPATCH_URL, json=event_payload(0), headers=headers)
    assert warm.status_code == 202
    assert client.get(f"/api/v1/notifications/events/{warm.get_json()['correlation_id']}/", headers=headers).status_code == 200

    assert terminate_connections(pg_url) > 0

    first = client.post(DISPATCH_URL, json=event_payload(1), headers=headers)
    assert first.status_code == 202, first.get_data(as_text=True)
    status = client.get(f"/api/v1/notifications/events/{first.get_json()['correlation_id']}/", headers=headers)
    assert status.status_code == 200 and len(status.get_json()["notifications"]) == 2
    deliver_everything(grouped)
    seen = received(smtp_peer, evolution_peer)
    assert seen.distinct == 4 and seen.duplicates == 0


def test_connections_terminated_mid_load_answer_503_never_500_and_nothing_is_lost(grouped, api_key, pg_url,
                                                                                  smtp_peer, evolution_peer):
    tally = Tally()
    load = threading.Thread(target=run_workload, args=(client_poster(grouped, api_key), range(300), tally))
    load.start()
    wait_until(lambda: tally.accepted_events >= 60, 60, "60 accepted events")
    blip = time.monotonic()
    assert terminate_connections(pg_url) > 0
    load.join(120)

    assert set(tally.codes) <= {202, 503} and tally.missing_retry_after == 0, tally.codes
    assert tally.accepted_events == 300 and tally.first_202_after(blip) is not None
    events, _, rows = stored_counts(grouped)
    assert events == 300 and rows == set(tally.accepted_rows)  # each event stored once, as answered
    deliver_everything(grouped)
    seen = received(smtp_peer, evolution_peer)
    assert seen.distinct == len(tally.accepted_rows) == 600 and seen.duplicates == 0


def _terminate_once_at(engine, pg_url: str, marker: str) -> dict:
    """Kill the connection that is about to run the first statement containing `marker`."""
    state = {"fired": False}

    @event.listens_for(engine, "before_cursor_execute")
    def _kill(conn, cursor, statement, parameters, context, executemany):
        if state["fired"] or marker not in statement:
            return
        state["fired"] = True
        pid = conn.connection.driver_connection.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    state["remove"] = lambda: event.remove(engine, "before_cursor_execute", _kill)
    return state


@pytest.mark.parametrize("marker", ["INSERT INTO delivery_attempts", "MATERIALIZED"],
                         ids=["while-recording", "while-claiming"])
def test_a_connection_lost_mid_delivery_is_written_again_not_sent_again(grouped, api_key, pg_url, smtp_peer,
                                                                        evolution_peer, marker):
    tally = Tally()
    run_workload(client_poster(grouped, api_key), range(15), tally)
    assert tally.accepted_events == 15 and set(tally.codes) == {202}
    with grouped.app_context():
        fault = _terminate_once_at(db.engine, pg_url, marker)
        try:
            counts = delivery.deliver_due(batch_size=50, budget_seconds=30)
        finally:
            fault["remove"]()
        attempts = db.session.scalar(select(func.count()).select_from(DeliveryAttempt))
        db.session.remove()
    assert fault["fired"] and counts["ok"] == 30 and attempts == 30
    _, sent, _ = stored_counts(grouped)
    seen = received(smtp_peer, evolution_peer)
    assert sent == 30 and seen.distinct == 30 and seen.duplicates == 0


def test_a_worker_whose_connections_were_cut_delivers_its_next_jobs(rq_app, fault_data, api_key, pg_url,
                                                                     private_redis, spawn, avisos_env, smtp_peer,
                                                                     evolution_peer):
    worker = spawn(["worker"], avisos_env(REDIS_URL=private_redis.url), "worker")
    wait_until(lambda: claimer_of(pg_url, worker.pid), 30, "the worker's liveness lock")
    post = client_poster(rq_app, api_key)
    tally = Tally()
    run_workload(post, range(10), tally)
    wait_until(lambda: received(smtp_peer, evolution_peer).distinct == 20, 30, "the first 20 messages")

    assert terminate_connections(pg_url) > 0
    run_workload(post, range(10, 20), tally)

    wait_until(lambda: received(smtp_peer, evolution_peer).distinct == 40, 30, "the next 20 messages")
    assert worker.alive() and set(tally.codes) == {202}, tally.errors
    assert received(smtp_peer, evolution_peer).duplicates == 0
    wait_until(lambda: claimer_of(pg_url, worker.pid), 10, "the worker to hold its liveness lock again")
