"""The dispatch writer's statements straight through psycopg on PostgreSQL.

The writer stores a batch of events with four statements (customers, vehicles, two INSERTs) and a
COMMIT. Through SQLAlchemy's execution machinery each cost the web process more CPU than the
database spent on it (docs/PERFORMANCE.md). On PostgreSQL they run on the session's own psycopg
connection, so inside the session's transaction, in two round trips: the SELECTs (Core statements
compiled once to SQL text) pipelined together, then the INSERTs (one multi-row statement per table
with `$n` placeholders, psycopg's RawCursor: nothing to parse, built from the model's table)
pipelined with the COMMIT. Every other database uses the Core statements as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import JSON, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from app.extensions import db

# Rows per INSERT statement: bounds the statement text and the number of cached shapes.
_MAX_ROWS_PER_INSERT = 64


def active() -> bool:
    """True when the session's database is PostgreSQL (the direct path applies)."""
    return db.session.get_bind().dialect.name == "postgresql"


def _driver_connection() -> psycopg.Connection:
    # session.connection() begins the session's transaction if needed; the psycopg connection
    # under it is the one SQLAlchemy will COMMIT.
    return db.session.connection().connection.driver_connection


@lru_cache(maxsize=32)
def _compiled(statement: Select) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=db.session.get_bind().dialect)
    return str(compiled), dict(compiled.params)


def select_many(queries: Sequence[tuple[Select, Mapping[str, Any]]]) -> list[list]:
    """Run independent Core SELECTs (each built once by its caller, so compiled once; lists bound
    with `= ANY(:name)`) pipelined in one round trip. Rows have attribute access by column label."""
    connection = _driver_connection()
    cursors = []
    with _translated_errors("pipelined select"), connection.pipeline():
        for statement, params in queries:
            sql, defaults = _compiled(statement)
            cursor = connection.cursor(row_factory=namedtuple_row)
            cursor.execute(sql, {**defaults, **params})
            cursors.append(cursor)
    try:
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


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
        for table, rows in inserts:
            columns, adapters = _column_plan(table)
            for start in range(0, len(rows), _MAX_ROWS_PER_INSERT):
                chunk = rows[start:start + _MAX_ROWS_PER_INSERT]
                params = [adapt(row[name]) if adapt else row[name]
                          for row in chunk for name, adapt in zip(columns, adapters, strict=True)]
                cursor.execute(_insert_sql(table, len(chunk)), params)
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
def _insert_sql(table: Table, rows: int) -> str:
    count = len(table.columns)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    groups = ", ".join("(" + ", ".join(f"${r * count + i + 1}" for i in range(count)) + ")" for r in range(rows))
    return f'INSERT INTO "{table.name}" ({names}) VALUES {groups}'
