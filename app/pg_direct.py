"""The dispatch path's statements straight through psycopg on PostgreSQL.

Storing accepted events takes a customers SELECT, two multi-row INSERTs and a COMMIT. Through
SQLAlchemy's execution machinery each cost the web process more CPU than the database spent on it
(docs/PERFORMANCE.md), so on PostgreSQL they go through psycopg, in one of two ways:

- The dispatch writer threads (app/dispatch/writer.py) own an autocommit connection each
  (`writer_connection`). A batch is two statements, two round trips and no transaction block: one
  SELECT (`fetch_all`), then one INSERT for every row of every table (`insert_committed`, the
  tables joined by data-modifying WITH clauses), which PostgreSQL commits as it completes.
- Other callers (`fetch_all` without a connection, `insert_and_commit`) work on the session's own
  connection, inside its transaction, the INSERTs pipelined with the COMMIT: they commit together
  with whatever the caller changed through the ORM.

SELECTs are Core statements compiled once to SQL text; INSERTs are built from the model's table
with `$n` placeholders (psycopg's RawCursor: nothing to parse). Every other database uses the Core
statements as they are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import ARRAY, JSON, Table, Uuid, any_, bindparam, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from app.db_health import peer_closed
from app.extensions import db

# Rows per INSERT statement: bounds the statement text and the number of cached shapes.
_MAX_ROWS_PER_INSERT = 64
# PostgreSQL's limit of bind parameters in one statement.
_MAX_PARAMS = 65535

_thread = threading.local()


def active() -> bool:
    """True when the app's database is PostgreSQL (the direct path applies)."""
    return db.engine.dialect.name == "postgresql"  # the engine's, so no session is opened to ask


def _driver_connection() -> psycopg.Connection:
    # session.connection() begins the session's transaction if needed; the psycopg connection
    # under it is the one SQLAlchemy will COMMIT.
    return db.session.connection().connection.driver_connection


@lru_cache(maxsize=32)
def _compiled(statement: Select) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=db.session.get_bind().dialect)
    return str(compiled), dict(compiled.params)


def among(column, name: str, postgresql: bool):
    """`column` is one of the list bound as `name`. On PostgreSQL one array parameter
    (`= ANY(...)`): the statement text is the same for any number of ids, so psycopg parses and
    prepares it once, where an IN list is rendered, parsed and planned anew for each length.
    Elsewhere an expanding IN. For statements built once (uuid lists)."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(Uuid)))
    return column.in_(bindparam(name, expanding=True))


def writer_connection() -> psycopg.Connection:
    """This thread's autocommit connection, taken from the engine's pool on first use and kept
    until `release_writer_connection`. One the server closed (a restart, `pg_terminate_backend`,
    an idle timeout) is noticed without a round trip (app/db_health.py) and replaced. Needs
    an app context; raises SQLAlchemy's OperationalError when the database does not answer.

    Its application_name, `avisos dispatch writer <pid>/<thread id>`, tells it apart in
    pg_stat_activity."""
    proxied = getattr(_thread, "proxied", None)
    if proxied is not None and not _lost(proxied):
        return proxied.driver_connection
    release_writer_connection()
    with _translated_errors("connect"):
        # The pool's checkout check hands out a connection the server has not closed.
        proxied = db.engine.raw_connection()
        try:
            connection = proxied.driver_connection
            connection.autocommit = True
            connection.execute("SELECT set_config('application_name', %s, false)", [writer_application_name()])
        except psycopg.Error:
            proxied.invalidate()
            raise
    _thread.proxied = proxied
    return proxied.driver_connection


def writer_application_name(thread: threading.Thread | None = None) -> str:
    """The application_name of a writer thread's connection (default: the calling thread's)."""
    return f"avisos dispatch writer {os.getpid()}/{(thread or threading.current_thread()).native_id}"


def writer_connection_lost() -> bool:
    """True when this thread's writer connection is closed or broken (the next
    `writer_connection()` opens a new one)."""
    proxied = getattr(_thread, "proxied", None)
    return proxied is not None and _lost(proxied)


def _lost(proxied) -> bool:
    connection = proxied.driver_connection
    return connection is None or peer_closed(connection)


def release_writer_connection() -> None:
    """Close this thread's writer connection and free its place in the pool (closed rather than
    returned: its session settings are not the pool's)."""
    proxied = getattr(_thread, "proxied", None)
    _thread.proxied = None
    if proxied is not None:
        proxied.invalidate()


def fetch_all(statement: Select, params: Mapping[str, Any], connection: psycopg.Connection | None = None) -> list:
    """Rows of a Core SELECT (compiled once; lists bound with `= ANY(:name)`) on `connection`, or
    in the session's transaction, with attribute access by column label."""
    connection = connection or _driver_connection()
    sql, defaults = _compiled(statement)
    with _translated_errors("select"), connection.cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, {**defaults, **params})
        return cursor.fetchall()


def insert_committed(connection: psycopg.Connection, inserts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]) -> None:
    """INSERT the rows of each table (each row a value for every column) on an autocommit
    connection: all or nothing, committed when this returns. Usually one statement, the tables
    after the first joined by data-modifying WITH clauses; past PostgreSQL's limit of bind
    parameters, several statements in one transaction block. Raises SQLAlchemy errors."""
    chunks = _insert_chunks(inserts)
    if not chunks:
        return
    with _translated_errors("insert"), psycopg.RawCursor(connection) as cursor:
        if sum(len(params) for _, _, params in chunks) <= _MAX_PARAMS:
            shapes = tuple((table, rows) for table, rows, _ in chunks)
            cursor.execute(_combined_insert_sql(shapes), [value for _, _, params in chunks for value in params])
            return
        with connection.transaction():
            for table, rows, params in chunks:
                cursor.execute(_insert_sql(table, rows), params)


def count_existing(connection: psycopg.Connection, table: Table, ids: Sequence[Any]) -> int:
    """How many of `ids` are in `table` (by primary key `id`): did a statement whose answer was
    lost commit?"""
    with _translated_errors("count"):
        return connection.execute(f'SELECT count(*) FROM "{table.name}" WHERE id = ANY(%s)', [list(ids)]).fetchone()[0]


def insert_and_commit(inserts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]], commit: bool = True) -> None:
    """INSERT the rows of each table in turn (each row a value for every column), then COMMIT the
    session's transaction unless `commit` is false. On PostgreSQL the INSERTs, up to
    _MAX_ROWS_PER_INSERT rows each, and the COMMIT are pipelined: one round trip; JSON columns are
    adapted as SQLAlchemy would (None is JSON null unless the column says none_as_null). Elsewhere
    one Core executemany per table. Raises SQLAlchemy errors, nothing committed; the caller rolls
    back."""
    if not active():
        for table, rows in inserts:
            if rows:
                db.session.execute(insert(table), list(rows))
        if commit:
            db.session.commit()
        return
    # Whatever the caller changed through the ORM goes first, into the same transaction.
    db.session.flush()
    connection = _driver_connection()
    with _translated_errors("pipelined insert"), connection.pipeline(), psycopg.RawCursor(connection) as cursor:
        for table, rows, params in _insert_chunks(inserts):
            cursor.execute(_insert_sql(table, rows), params)
        if commit:
            connection.commit()
    if commit:
        # The transaction is committed already; this ends SQLAlchemy's side of it (psycopg sends
        # nothing for a COMMIT outside a transaction).
        db.session.commit()


@contextmanager
def _translated_errors(sql: str) -> Iterator[None]:
    """psycopg errors as SQLAlchemy's (IntegrityError for a reused Idempotency-Key, ...), so callers
    handle one family of exceptions whichever path ran. Parameters stay out of the message."""
    try:
        yield
    except psycopg.Error as err:
        raise DBAPIError.instance(sql, None, err, psycopg.Error) from err


def _insert_chunks(inserts: Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]) -> list[tuple[Table, int, list]]:
    """(table, row count, parameters) per INSERT of at most _MAX_ROWS_PER_INSERT rows, JSON columns
    adapted as SQLAlchemy would (None is JSON null unless the column says none_as_null)."""
    chunks = []
    for table, rows in inserts:
        columns, adapters = _column_plan(table)
        for start in range(0, len(rows), _MAX_ROWS_PER_INSERT):
            chunk = rows[start:start + _MAX_ROWS_PER_INSERT]
            chunks.append((table, len(chunk), [adapt(row[name]) if adapt else row[name]
                                               for row in chunk for name, adapt in zip(columns, adapters, strict=True)]))
    return chunks


@lru_cache(maxsize=16)
def _column_plan(table: Table) -> tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    names, adapters = [], []
    for column in table.columns:
        names.append(column.name)
        adapters.append(_json_adapter(column.type) if isinstance(column.type, JSON) else None)
    return tuple(names), tuple(adapters)


def _json_adapter(column_type: JSON) -> Callable[[Any], Any]:
    if column_type.none_as_null:
        return lambda value: None if value is None else Json(value)
    return Json


@lru_cache(maxsize=256)
def _insert_sql(table: Table, rows: int, first: int = 1) -> str:
    count = len(table.columns)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    groups = ", ".join("(" + ", ".join(f"${first + r * count + i}" for i in range(count)) + ")" for r in range(rows))
    return f'INSERT INTO "{table.name}" ({names}) VALUES {groups}'


@lru_cache(maxsize=256)
def _combined_insert_sql(shapes: tuple[tuple[Table, int], ...]) -> str:
    """One statement for several INSERTs: `WITH i0 AS (INSERT ...), ... INSERT ...`. PostgreSQL runs
    every part and checks foreign keys at the end of the statement, so a row may reference a row
    that another part inserts."""
    parts, first = [], 1
    for table, rows in shapes:
        parts.append(_insert_sql(table, rows, first))
        first += rows * len(table.columns)
    if len(parts) == 1:
        return parts[0]
    return "WITH " + ", ".join(f"i{n} AS ({sql})" for n, sql in enumerate(parts[:-1])) + " " + parts[-1]


def fetch_one_pooled(statement: Select, params: Mapping[str, Any]) -> Any:
    """The first row of a Core SELECT, read on a pooled connection outside the session and given
    back at once: on PostgreSQL one statement in autocommit (one round trip, no
    transaction to end). For a per-request check that must see every commit (API keys)."""
    if not active():
        with db.engine.connect() as connection:
            return connection.execute(statement, params).first()
    sql, defaults = _compiled(statement)
    with _translated_errors("connect"):
        proxied = db.engine.raw_connection()
    try:
        connection = proxied.driver_connection
        connection.autocommit = True
        try:
            with _translated_errors("select"), connection.cursor(row_factory=namedtuple_row) as cursor:
                cursor.execute(sql, {**defaults, **params})
                return cursor.fetchone()
        finally:
            if not _lost(proxied):
                connection.autocommit = False
    except DBAPIError:
        proxied.invalidate()
        raise
    finally:
        proxied.close()
