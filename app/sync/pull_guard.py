"""Where a pull-sync source may point, and how Avisos connects to it (docs/SECURITY.md).

An admin enters a source's connection URL, and Avisos connects to it from inside its own network,
so the URL is held to the rules of outbound webhooks (app/net_guard.py):
- a network database's host must resolve to public addresses only, unless SYNC_ALLOWED_HOSTS
  names it (a workshop's database on the LAN is the usual case); Avisos then connects to the
  address it checked (PostgreSQL: libpq's `hostaddr`, the host name kept for TLS);
- the URL's query may not move the connection elsewhere (host, hostaddr, port, service, sockets,
  files): only the parameters in ALLOWED_QUERY pass;
- Avisos' own database is refused, whatever the allow-list says: before connecting by backend,
  port, database name and address, and after connecting (PostgreSQL) by the server's identity;
- a SQLite source must be a file inside SYNC_SQLITE_FOLDER (symbolic links resolved), opened
  read-only; without that setting SQLite sources are refused.
A refusal is a SourceRefused with a message safe to show to the admin.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError

from app import net_guard
from app.config import normalise_database_url
from app.extensions import db

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "oracle": 1521}
ALLOWED_QUERY = frozenset({"sslmode", "application_name", "connect_timeout", "charset", "driver"})
_LOOPBACK = frozenset({"127.0.0.1", "::1"})
_IDENTITY = text("SELECT current_database(), inet_server_port(), pg_postmaster_start_time()")


class SourceRefused(ValueError):
    """The source's URL breaks a rule above; the message says which (no credentials)."""


@dataclass(frozen=True)
class SourceConnection:
    """What to hand to create_engine: the URL and the driver's connect arguments."""

    url: URL
    connect_args: dict = field(default_factory=dict)


def checked_connection(url_text: str) -> SourceConnection:
    """Judge a source URL; the connection that reaches exactly what was judged, or SourceRefused."""
    try:
        url = make_url(normalise_database_url(url_text))
    except ArgumentError:
        raise SourceRefused("Not a SQLAlchemy URL (e.g. postgresql://user:password@host:5432/database).") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite(url)
    if backend not in DEFAULT_PORTS:
        raise SourceRefused(f"Unsupported database '{backend}': use {', '.join(sorted(DEFAULT_PORTS))} or sqlite.")
    refused = sorted(set(url.query) - ALLOWED_QUERY)
    if refused:
        raise SourceRefused(f"URL parameters not allowed: {', '.join(refused)} "
                            f"(allowed: {', '.join(sorted(ALLOWED_QUERY))}).")
    if not url.host or "," in url.host or url.host.startswith("/"):
        raise SourceRefused("Name the database server's host in the URL (one host, no socket path).")
    target = net_guard.check(url.host, url.port or DEFAULT_PORTS[backend],
                             current_app.config.get("SYNC_ALLOWED_HOSTS") or [], "SYNC_ALLOWED_HOSTS")
    if target.problem is not None:
        raise SourceRefused(target.problem)
    if _is_own_server(backend, target) and (url.database or "") == (_own_url().database or ""):
        raise SourceRefused(OWN_DATABASE)
    if backend == "postgresql":
        return SourceConnection(url, {"hostaddr": target.address})
    return SourceConnection(url.set(host=target.address))


OWN_DATABASE = "This is Avisos' own database; a source cannot read it."


def refuse_own_database(conn: Connection) -> None:
    """After connecting: refuse the server and database Avisos itself uses, however it was reached
    (another name or address of the same server). PostgreSQL only: Avisos runs on nothing else."""
    if conn.dialect.name != "postgresql" or db.engine.dialect.name != "postgresql":
        return
    theirs = tuple(conn.execute(_IDENTITY).one())
    conn.rollback()
    ours = tuple(db.session.execute(_IDENTITY).one())
    db.session.rollback()
    if theirs == ours:
        raise SourceRefused(OWN_DATABASE)


def _own_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _is_own_server(backend: str, target: net_guard.Target) -> bool:
    own = _own_url()
    if own.get_backend_name() != backend or (own.port or DEFAULT_PORTS[backend]) != target.port:
        return False
    # Without a host Avisos uses the local socket: its server is this machine's.
    own_addresses = set(net_guard.resolve(own.host, target.port)) if own.host else set(_LOOPBACK)
    return bool(own_addresses & set(target.addresses)) or (own.host or "").lower() == target.host.lower()


def _sqlite(url: URL) -> SourceConnection:
    folder = current_app.config.get("SYNC_SQLITE_FOLDER") or ""
    if not folder:
        raise SourceRefused("SQLite sources are off: set SYNC_SQLITE_FOLDER to the folder that holds them.")
    if url.query or not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise SourceRefused("A SQLite source is a file path: sqlite:////path/to/file.db (no parameters).")
    root, path = os.path.realpath(folder), os.path.realpath(url.database)
    if os.path.commonpath([root, path]) != root:
        raise SourceRefused(f"The SQLite file must be inside SYNC_SQLITE_FOLDER ({root}).")
    own = _own_url()
    if own.get_backend_name() == "sqlite" and own.database and os.path.realpath(own.database) == path:
        raise SourceRefused(OWN_DATABASE)
    # Read-only: a source is never written to, and a missing file is not created.
    return SourceConnection(make_url(f"sqlite:///file:{quote(path)}?mode=ro&uri=true"))


def summary(url_text: str) -> str:
    """Backend, host, port and database of a URL, for logs (never the credentials)."""
    try:
        url = make_url(normalise_database_url(url_text))
    except ArgumentError:
        return "(not a URL)"
    port = f":{url.port}" if url.port else ""
    return f"{url.get_backend_name()}://{url.host or ''}{port}/{url.database or ''}"
