"""A revoked API key is refused by its very next request, in this process and in any other."""

from __future__ import annotations

import pytest
import requests

from app.api.auth import generate_api_key
from app.extensions import db
from app.models import ApiKey
from tests.app_process import app_process
from tests.conftest import BASE_OVERRIDES

PHASES = "/api/v1/notifications/phases/"


def _key() -> tuple[ApiKey, str]:
    row, raw = generate_api_key("core", scopes="dispatch read")
    db.session.commit()
    return row, raw


def _revoke_in_the_console(app, row: ApiKey) -> None:
    from app.cli.setup import upsert_user
    from tests.console.conftest import PASSWORD, ConsoleClient

    admin = ConsoleClient(app.test_client())
    assert admin.login(upsert_user("admin@taller.test", "admin", PASSWORD).email).status_code == 302
    assert admin.post("/admin/api-keys/revoke/", data={"id": str(row.id)}).status_code == 302


@pytest.mark.slow
def test_a_revoked_key_is_refused_at_once_by_another_process(app, database_url):
    row, raw = _key()
    with app_process({**BASE_OVERRIDES, "DATABASE_URL": database_url}) as other:
        headers = {"X-API-Key": raw}
        assert requests.get(other + PHASES, headers=headers, timeout=30).status_code == 200
        _revoke_in_the_console(app, row)
        refused = requests.get(other + PHASES, headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"


def test_a_key_revoked_behind_this_process_is_refused_at_once(client, app):
    row, raw = _key()
    assert client.get(PHASES, headers={"X-API-Key": raw}).status_code == 200
    # Another process's revocation: a plain UPDATE, nothing in this process is told.
    with db.engine.begin() as conn:
        conn.execute(ApiKey.__table__.update().where(ApiKey.__table__.c.id == row.id).values(revoked_at=db.func.now()))
    assert client.get(PHASES, headers={"X-API-Key": raw}).status_code == 401


DISPATCH = "/api/v1/notifications/events/dispatch/"


def _stored_events() -> int:
    from sqlalchemy import func, select

    from app.models import DispatchEvent

    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(DispatchEvent))


@pytest.mark.slow
def test_a_revoked_keys_dispatch_is_refused_at_once_by_another_process(app, database_url):
    """On PostgreSQL the other process stores dispatches through its dispatch writer, which reads
    the keys of each batch (the request threads may take them from memory)."""
    from tests import factories as f

    f.basic_setup()
    f.customer()
    row, raw = _key()
    with app_process({**BASE_OVERRIDES, "DATABASE_URL": database_url}) as other:
        headers = {"X-API-Key": raw}
        accepted = requests.post(other + DISPATCH, json=f.dispatch_payload(), headers=headers, timeout=30)
        assert accepted.status_code == 202
        _revoke_in_the_console(app, row)
        refused = requests.post(other + DISPATCH, json=f.dispatch_payload(), headers=headers, timeout=30)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"
    assert _stored_events() == 1


@pytest.fixture
def grouped(app):
    from app.dispatch import stop_dispatch_writer
    from tests import factories as f

    app.config["DISPATCH_GROUP_COMMIT"] = "on"
    stop_dispatch_writer(app)
    f.basic_setup()
    f.customer()
    db.session.commit()
    yield app
    stop_dispatch_writer(app)


def _revoke_behind(row: ApiKey) -> None:
    """Another process's revocation: a plain UPDATE, nothing in this process is told."""
    with db.engine.begin() as conn:
        conn.execute(ApiKey.__table__.update().where(ApiKey.__table__.c.id == row.id).values(revoked_at=db.func.now()))


def test_the_dispatch_writer_refuses_a_key_revoked_after_it_was_remembered(grouped, client):
    from tests import factories as f

    row, raw = _key()
    assert client.post(DISPATCH, json=f.dispatch_payload(), headers={"X-API-Key": raw}).status_code == 202
    _revoke_behind(row)
    refused = client.post(DISPATCH, json=f.dispatch_payload(), headers={"X-API-Key": raw})
    assert refused.status_code == 401 and _stored_events() == 1


def test_an_idempotent_repeat_of_a_revoked_key_gets_no_stored_answer(grouped, client):
    from tests import factories as f

    row, raw = _key()
    headers = {"X-API-Key": raw, "Idempotency-Key": "same"}
    assert client.post(DISPATCH, json=f.dispatch_payload(), headers=headers).status_code == 202
    _revoke_behind(row)
    assert client.post(DISPATCH, json=f.dispatch_payload(), headers=headers).status_code == 401


def test_in_a_shared_batch_only_the_revoked_keys_event_is_refused(grouped):
    import threading

    from app.dispatch import accept as dispatch
    from app.dispatch.writer import DispatchWriter
    from tests import factories as f
    from tests.dispatch.test_writer import wait_for_queue

    (live, _), (revoked, _) = _key(), _key()
    events = {name: dispatch.prepare_event(f.dispatch_payload(), key.id, None, None)
              for name, key in (("live", live), ("revoked", revoked))}
    db.session.commit()
    _revoke_behind(revoked)
    held, release = threading.Event(), threading.Event()

    def store(batch):
        if batch == ["hold"]:  # keeps the writer busy until both events wait: they form one batch
            held.set()
            release.wait(10)
            return ["held"]
        return dispatch.store_batch(batch)

    writer = DispatchWriter(grouped, store, max_batch=64, wait_seconds=30)
    outcome: dict = {}

    def submit(name, item):
        try:
            outcome[name] = writer.submit(item)
        except Exception as err:  # noqa: BLE001 - inspected below
            outcome[name] = err

    threads = [threading.Thread(target=submit, args=("hold", "hold"))]
    threads[0].start()
    assert held.wait(10)
    threads += [threading.Thread(target=submit, args=item) for item in events.items()]
    for thread in threads[1:]:
        thread.start()
    wait_for_queue(writer, 2)
    release.set()
    for thread in threads:
        thread.join(30)
    writer.stop()
    assert outcome["live"].response["status"] == "accepted"
    assert getattr(outcome["revoked"], "status", None) == 401
    assert _stored_events() == 1
