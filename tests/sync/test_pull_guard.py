"""Pull-sync sources cannot reach Avisos' own database, link-local, loopback or private addresses
(unless SYNC_ALLOWED_HOSTS names them) or SQLite files outside SYNC_SQLITE_FOLDER, and a failed
connection says nothing about what answered on the port."""

from __future__ import annotations

import os
import socket
import time

import pytest
from sqlalchemy import create_engine

from app import net_guard
from app.sync import pull as pull_sync
from app.sync.pull_guard import OWN_DATABASE, SourceRefused, checked_connection, refuse_own_database
from tests.sync.test_pull import SourceDb, _drop_postgres, _postgres_source


@pytest.fixture(autouse=True)
def nothing_allowed(app, tmp_path):
    app.config.update(SYNC_ALLOWED_HOSTS=[], SYNC_SQLITE_FOLDER=str(tmp_path / "sources"))
    (tmp_path / "sources").mkdir()


def refusal(url: str) -> str:
    with pytest.raises(SourceRefused) as refused:
        checked_connection(url)
    return str(refused.value)


@pytest.mark.parametrize("host", ["169.254.169.254", "127.0.0.1", "10.0.0.5", "192.168.1.20", "[::1]", "localhost"])
def test_non_public_addresses_are_refused_without_connecting(app, host, monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))
    message = refusal(f"postgresql://lector:clave@{host}:5432/taller")
    assert "SYNC_ALLOWED_HOSTS" in message and "clave" not in message


def test_the_allow_list_lets_a_lan_database_through(app):
    app.config["SYNC_ALLOWED_HOSTS"] = ["10.0.0.0/8"]
    checked = checked_connection("postgresql://lector:clave@10.0.0.5:5432/taller")
    assert checked.connect_args == {"hostaddr": "10.0.0.5"}


def test_avisos_own_database_is_refused_even_when_allowed(app, database_url):
    app.config["SYNC_ALLOWED_HOSTS"] = ["127.0.0.1", "localhost"]
    if database_url.startswith("sqlite"):
        app.config["SYNC_SQLITE_FOLDER"] = os.path.dirname(database_url.removeprefix("sqlite:///"))
    assert refusal(database_url) == OWN_DATABASE


def test_avisos_own_postgresql_is_refused_by_identity_once_connected(app, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("the identity check is PostgreSQL's (Avisos on SQLite has no server to reach)")
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn, pytest.raises(SourceRefused):
            refuse_own_database(conn)
    finally:
        engine.dispose()


def test_another_database_on_an_allowed_server_is_read(app):
    app.config["SYNC_ALLOWED_HOSTS"] = ["127.0.0.1"]
    source, name = _postgres_source()
    try:
        assert pull_sync.check_connection(source.url, []).ok
    finally:
        source.engine.dispose()
        _drop_postgres(name)


def test_the_checked_address_is_the_one_connected_to(app, monkeypatch):
    # The name resolves for the check only; libpq connects to `hostaddr`, never resolving it again.
    app.config["SYNC_ALLOWED_HOSTS"] = ["pg.taller.test"]
    monkeypatch.setattr(net_guard, "resolve", lambda host, port: ("127.0.0.1",))
    source, name = _postgres_source()
    try:
        url = source.url.replace("127.0.0.1", "pg.taller.test")
        assert pull_sync.check_connection(url, []).ok
    finally:
        source.engine.dispose()
        _drop_postgres(name)


@pytest.mark.parametrize("query", ["host=169.254.169.254", "hostaddr=127.0.0.1", "service=avisos", "port=6379",
                                   "passfile=/etc/shadow"])
def test_url_parameters_that_move_the_connection_are_refused(app, query):
    assert "not allowed" in refusal(f"postgresql://u:p@db.example.com:5432/x?{query}")


@pytest.mark.parametrize("url", ["postgresql://u:p@/taller", "postgresql://u:p@/taller?host=/var/run/postgresql"])
def test_a_local_socket_is_refused(app, url):
    refusal(url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_closed_open_and_database_ports_give_the_same_answer_after_the_same_time(app, webhook_receiver,
                                                                                monkeypatch):
    """No port scan through the form: a closed port, an open port speaking HTTP and a PostgreSQL
    server refusing the login are all reported the same way, none before the connect timeout."""
    monkeypatch.setattr(pull_sync, "CONNECT_TIMEOUT", 1)
    app.config["SYNC_ALLOWED_HOSTS"] = ["127.0.0.1"]
    urls = [f"postgresql://u:p@127.0.0.1:{_free_port()}/x", f"postgresql://u:p@127.0.0.1:{webhook_receiver.port}/x",
            "postgresql://no_such_role:p@127.0.0.1:5432/no_such_database"]
    for url in urls:
        started = time.monotonic()
        assert pull_sync.check_connection(url, []).messages == [pull_sync.CONNECT_FAILED]
        assert time.monotonic() - started >= 1


def test_a_sqlite_file_outside_the_folder_is_refused(app, tmp_path):
    SourceDb(f"sqlite:///{tmp_path / 'elsewhere.db'}").engine.dispose()
    assert "SYNC_SQLITE_FOLDER" in refusal(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    assert "SYNC_SQLITE_FOLDER" in refusal(f"sqlite:///{tmp_path / 'sources' / '..' / 'elsewhere.db'}")


def test_a_link_inside_the_folder_to_a_file_outside_is_refused(app, tmp_path):
    (tmp_path / "sources" / "link.db").symlink_to(tmp_path / "elsewhere.db")
    assert "SYNC_SQLITE_FOLDER" in refusal(f"sqlite:///{tmp_path / 'sources' / 'link.db'}")


def test_a_sqlite_file_inside_the_folder_is_read_only(app, tmp_path):
    client = SourceDb(f"sqlite:///{tmp_path / 'sources' / 'client.db'}")
    checked = checked_connection(client.url)
    assert str(checked.url).endswith("?mode=ro&uri=true")
    assert pull_sync.check_connection(client.url, []).ok
    client.engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x.db?mode=rwc&uri=true"])
def test_other_sqlite_forms_are_refused(app, url):
    refusal(url)


def test_sqlite_sources_are_off_without_a_folder(app, tmp_path):
    app.config["SYNC_SQLITE_FOLDER"] = ""
    assert "SYNC_SQLITE_FOLDER" in refusal(f"sqlite:///{tmp_path / 'sources' / 'client.db'}")


def test_a_stored_source_that_breaks_the_rules_fails_its_run_without_connecting(app, monkeypatch):
    from app.extensions import db
    from app.models import SyncSource

    source = SyncSource(name="metadatos", customer_table="users", watermarks={}, vehicle_columns={},
                        customer_columns={"customer_id": "id", "updated_at": "updated_at"})
    source.set_url("postgresql://u:p@169.254.169.254:5432/x")
    db.session.add(source)
    db.session.commit()
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connected"))
    run = pull_sync.run_source(source.id)
    assert run.status == "failed" and "169.254.169.254" in run.error
