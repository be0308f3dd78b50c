"""Group commit of API dispatches (app/dispatch/writer.py)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.dispatch.writer import EXTENSION_KEY, DispatchWriter, group_commit_enabled, stop_dispatch_writer
from app.extensions import db
from app.models import DispatchEvent, Notification
from tests import factories as f
from tests.faults.harness import terminate_backends

URL = "/api/v1/notifications/events/dispatch/"


class RecordingStore:
    """A store function that records its batches; items named 'bad' fail."""

    def __init__(self, release: threading.Event | None = None):
        self.batches: list[list[str]] = []
        self.release = release
        self.entered = threading.Event()

    def __call__(self, batch):
        self.entered.set()
        if self.release is not None:
            self.release.wait(30)
        self.batches.append(list(batch))
        if "bad" in batch:
            raise ValueError("bad item")
        return [f"stored {item}" for item in batch]


def submit_all(writer: DispatchWriter, items: list[str]) -> dict[str, object]:
    results: dict[str, object] = {}

    def run(item):
        try:
            results[item] = writer.submit(item)
        except Exception as err:  # noqa: BLE001 - the test inspects it
            results[item] = err

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def wait_for_queue(writer: DispatchWriter, size: int) -> None:
    deadline = time.monotonic() + 30
    while writer._queue.qsize() < size and time.monotonic() < deadline:
        time.sleep(0.001)


def hold_writer(writer: DispatchWriter, store: RecordingStore) -> threading.Thread:
    """Submit "first" and return once the writer is inside storing it (held until `store` is released)."""
    holder = threading.Thread(target=writer.submit, args=("first",))
    holder.start()
    assert store.entered.wait(30)
    return holder


def hold_then_submit_group(writer: DispatchWriter, store: RecordingStore, release: threading.Event,
                           items: list[str]) -> dict[str, object]:
    """Keep the writer busy with "first" until `items` are all queued, so they form one batch."""
    holder = hold_writer(writer, store)
    outcome: dict = {}
    group = threading.Thread(target=lambda: outcome.update(submit_all(writer, items)))
    group.start()
    wait_for_queue(writer, len(items))
    release.set()
    holder.join(30)
    group.join(30)
    return outcome


def test_group_commit_is_on_for_postgresql_and_off_for_sqlite_by_default(app):
    app.config["DISPATCH_GROUP_COMMIT"] = "auto"
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://h/db"
    assert group_commit_enabled(app) is True
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///x.db"
    assert group_commit_enabled(app) is False


def test_group_commit_setting_overrides_the_database_default(app):
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///x.db"
    app.config["DISPATCH_GROUP_COMMIT"] = "on"
    assert group_commit_enabled(app) is True
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://h/db"
    app.config["DISPATCH_GROUP_COMMIT"] = "off"
    assert group_commit_enabled(app) is False


def test_items_waiting_together_are_stored_in_one_call(app):
    release = threading.Event()
    store = RecordingStore(release)
    writer = DispatchWriter(app, store, max_batch=64, wait_seconds=10)
    first = hold_writer(writer, store)
    rest = threading.Thread(target=lambda: submit_all(writer, [f"item-{n}" for n in range(5)]))
    rest.start()
    wait_for_queue(writer, 5)
    release.set()
    first.join(10)
    rest.join(10)
    assert store.batches[0] == ["first"]
    assert sorted(store.batches[1]) == [f"item-{n}" for n in range(5)]


def test_each_submitter_gets_its_own_result(app):
    writer = DispatchWriter(app, RecordingStore(), max_batch=64, wait_seconds=10)
    results = submit_all(writer, ["a", "b", "c"])
    assert results == {"a": "stored a", "b": "stored b", "c": "stored c"}


def test_a_failing_item_fails_alone_and_its_neighbours_are_stored(app):
    release = threading.Event()
    store = RecordingStore(release)
    writer = DispatchWriter(app, store, max_batch=64, wait_seconds=10)
    outcome = hold_then_submit_group(writer, store, release, ["ok-1", "bad", "ok-2"])
    assert outcome["ok-1"] == "stored ok-1" and outcome["ok-2"] == "stored ok-2"
    assert isinstance(outcome["bad"], ValueError)
    assert ["bad"] in store.batches  # retried on its own after the shared batch failed


class LostDatabase(RecordingStore):
    """A store whose database goes away after the batch that holds the writer ("first")."""

    def __call__(self, batch):
        from sqlalchemy.exc import OperationalError

        stored = super().__call__(batch)
        if batch != ["first"]:
            raise OperationalError("INSERT", None, Exception("server closed the connection unexpectedly"))
        return stored


def test_a_lost_database_fails_the_whole_batch_at_once(app):
    release = threading.Event()
    store = LostDatabase(release)
    writer = DispatchWriter(app, store, max_batch=64, wait_seconds=10)
    outcome = hold_then_submit_group(writer, store, release, ["a", "b", "c"])
    assert all(type(outcome[item]).__name__ == "OperationalError" for item in "abc")
    assert store.batches == [["first"], ["a", "b", "c"]]  # not retried one by one


def test_writer_survives_a_failing_batch(app):
    writer = DispatchWriter(app, RecordingStore(), max_batch=64, wait_seconds=10)
    with pytest.raises(ValueError):
        writer.submit("bad")
    assert writer.submit("after") == "stored after"
    assert writer.alive()


@pytest.fixture
def grouped(app):
    app.config["DISPATCH_GROUP_COMMIT"] = "on"
    stop_dispatch_writer(app)  # a fresh writer, with counters of this test only
    f.basic_setup()
    for n in range(6):
        f.customer(f"customer-{n}", email=f"c{n}@example.com")
    db.session.commit()
    yield app
    stop_dispatch_writer(app)


def test_concurrent_api_dispatches_are_all_stored_and_answered(grouped, api_headers):
    responses = {}

    def post(n):
        client = grouped.test_client()
        responses[n] = client.post(URL, json=f.dispatch_payload(customer_id=f"customer-{n}"), headers=api_headers)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [responses[n].status_code for n in range(6)] == [202] * 6
    db.session.remove()
    ids = {str(i) for i in db.session.scalars(select(Notification.id))}
    answered = {n["id"] for r in responses.values() for n in r.get_json()["notifications"]}
    assert answered == ids and len(ids) == 12
    writer = grouped.extensions[EXTENSION_KEY]
    assert writer.items == 6 and writer.batches <= 6


def test_reused_idempotency_key_in_one_group_stores_one_event(grouped, api_headers):
    payload = f.dispatch_payload(customer_id="customer-1")
    responses = []

    def post():
        client = grouped.test_client()
        responses.append(client.post(URL, json=payload, headers={**api_headers, "Idempotency-Key": "same-key"}))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [r.status_code for r in responses] == [202] * 4
    assert len({r.get_json()["correlation_id"] for r in responses}) == 1
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(DispatchEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_stopping_answers_what_was_submitted_first(app):
    release = threading.Event()
    store = RecordingStore(release)
    writer = DispatchWriter(app, store, max_batch=64, wait_seconds=10)
    holder = hold_writer(writer, store)
    outcome: dict = {}
    group = threading.Thread(target=lambda: outcome.update(submit_all(writer, ["a", "b"])))
    group.start()
    wait_for_queue(writer, 2)
    stopper = threading.Thread(target=writer.stop)
    stopper.start()
    wait_for_queue(writer, 3)  # the two items, then the stop mark
    release.set()
    for thread in (holder, group, stopper):
        thread.join(30)
    assert outcome == {"a": "stored a", "b": "stored b"}
    assert not writer.alive()


def test_stopping_runs_the_cleanup_in_each_thread(app):
    exits = []
    writer = DispatchWriter(app, RecordingStore(), max_batch=64, wait_seconds=10, threads=2,
                            on_thread_exit=lambda: exits.append(threading.current_thread().name))
    assert writer.submit("one") == "stored one"
    writer.stop()
    assert sorted(exits) == ["dispatch-writer-0", "dispatch-writer-1"]
    assert not any(thread.is_alive() for thread in writer._threads)


def test_two_writer_threads_answer_every_submitter(app):
    writer = DispatchWriter(app, RecordingStore(), max_batch=4, wait_seconds=10, threads=2)
    items = [f"item-{n}" for n in range(20)]
    results = submit_all(writer, items)
    assert results == {item: f"stored {item}" for item in items}
    assert writer.items == 20 and writer.alive()


def test_after_commit_work_runs_once_per_batch_before_the_answers(app):
    release = threading.Event()
    store, seen = RecordingStore(release), []
    writer = DispatchWriter(app, store, max_batch=64, wait_seconds=10, after_commit=seen.append)
    outcome = hold_then_submit_group(writer, store, release, ["a", "b", "c"])
    assert seen[0] == ["stored first"]
    assert sorted(seen[1]) == ["stored a", "stored b", "stored c"]
    assert outcome == {"a": "stored a", "b": "stored b", "c": "stored c"}


def test_failing_after_commit_work_does_not_stop_the_writer(app):
    def after_commit(results):
        raise RuntimeError("redis down")

    writer = DispatchWriter(app, RecordingStore(), max_batch=64, wait_seconds=10, after_commit=after_commit)
    assert writer.submit("a") == "stored a"
    assert writer.submit("b") == "stored b" and writer.alive()


def test_a_writer_connection_the_server_dropped_is_replaced_without_failing_a_request(grouped, api_headers):
    from sqlalchemy import text

    from app import pg_direct

    if not pg_direct.active():
        pytest.skip("the writer's own connection is PostgreSQL's path")
    client = grouped.test_client()
    assert client.post(URL, json=f.dispatch_payload(customer_id="customer-1"), headers=api_headers).status_code == 202
    name = pg_direct.writer_application_name(grouped.extensions[EXTENSION_KEY]._threads[0])
    terminated = db.session.scalar(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"), {"name": name})
    db.session.commit()
    assert terminated == 1
    res = client.post(URL, json=f.dispatch_payload(customer_id="customer-2"), headers=api_headers)
    assert res.status_code == 202
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(DispatchEvent)) == 2


def test_requests_waiting_on_the_writer_hold_no_pooled_connection(app, make_app, api_key, monkeypatch):
    """Every request thread looking its API key up at once (an expired key cache) used to hold its
    connection while waiting on the writer, and a writer needing one of the pool's waited for them
    until the pool timed out."""
    from app import pg_direct
    from app.api.auth import forget_cached_keys

    if not pg_direct.active():
        pytest.skip("pool limits apply to PostgreSQL's engine")
    monkeypatch.setenv("DB_POOL_SIZE", "3")  # the writer alone may hold three: its own, a session, a publish
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "3")
    small = make_app(DISPATCH_GROUP_COMMIT="on", SNAPSHOT_TTL_SECONDS=0.0, JOBS_MODE="manual")
    f.basic_setup()
    for n in range(6):
        f.customer(f"customer-{n}", email=f"c{n}@example.com")
    db.session.commit()
    forget_cached_keys()
    statuses = {}

    def post(n):
        res = small.test_client().post(URL, json=f.dispatch_payload(customer_id=f"customer-{n}"),
                                       headers={"X-API-Key": api_key})
        statuses[n] = res.status_code

    try:
        threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert statuses == {n: 202 for n in range(6)}
    finally:
        stop_dispatch_writer(small)
        with small.app_context():
            db.engine.dispose()


def test_a_blip_that_takes_the_writer_and_its_session_stores_the_batch_on_the_retry(grouped, monkeypatch):
    """The snapshot is read through the session, the customers and the INSERT on the writer's own
    connection: when one blip takes both while a batch is being planned, the retry starts on live
    ones (it used to fail on the session's dead transaction: a 500)."""
    from sqlalchemy import text

    from app import pg_direct
    from app.dispatch import accept

    if not pg_direct.active():
        pytest.skip("the writer's own connection is PostgreSQL's path")
    prepared = accept.prepare_event(f.dispatch_payload(customer_id="customer-1"), None, None, None)
    db.session.commit()
    pids = {"session": db.session.scalar(text("SELECT pg_backend_pid()")),  # its transaction stays open
            "writer": pg_direct.writer_connection().info.backend_pid}
    libpq_url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    real_snapshot, blips = accept.get_snapshot, []

    def snapshot_after_a_blip():
        if not blips:
            terminate_backends(libpq_url, pids.values())
            blips.append(len(pids))
        return real_snapshot()

    monkeypatch.setattr(accept, "get_snapshot", snapshot_after_a_blip)
    try:
        [stored] = accept.store_batch([prepared])
    finally:
        pg_direct.release_writer_connection()
    assert blips == [2]
    assert stored.response["status"] == "accepted" and stored.response["notifications_queued"] > 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DispatchEvent)) == 1
