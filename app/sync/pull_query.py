"""Reading a client's table for pull-sync: mapping, the watermark query, and typed watermarks.

A watermark is the (updated_at, key) of the last row applied. The next read asks for
`updated_at > :at OR (updated_at = :at AND key > :key)` ordered by (updated_at, key): rows that
share a timestamp are neither skipped nor read again. Watermark values are stored with their
Python type and bound back unchanged (a SQLite source returns text, PostgreSQL a datetime), so
the source compares like with like.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, column, or_, select, table
from sqlalchemy.types import NullType

ENTITIES = ("customers", "vehicles")  # customers first: vehicles need their owners
KEY_FIELD = {"customers": "customer_id", "vehicles": "plate"}
FIELDS = {
    "customers": ("customer_id", "first_name", "last_name", "name", "email", "phone", "whatsapp", "updated_at"),
    "vehicles": ("plate", "customer_id", "brand", "model", "year", "current_kilometers", "last_service_date",
                 "next_service_kilometers", "image_url", "updated_at"),
}


@dataclass(frozen=True)
class Mapping:
    """One entity read from `table` (optionally `schema.table`); columns map our field -> theirs."""

    entity: str
    table: str
    columns: dict[str, str]

    @property
    def schema_and_name(self) -> tuple[str | None, str]:
        schema, _, name = self.table.rpartition(".")
        return schema or None, name

    def problems(self) -> list[str]:
        """What is wrong with this mapping, in words (empty when usable)."""
        found = []
        for required in (KEY_FIELD[self.entity], "updated_at") + (("customer_id",) if self.entity == "vehicles" else ()):
            if not self.columns.get(required):
                found.append(f"{self.entity}: map the field '{required}' to a column.")
        unknown = sorted(set(self.columns) - set(FIELDS[self.entity]))
        if unknown:
            found.append(f"{self.entity}: unknown fields {', '.join(unknown)}.")
        return found


def changed_rows(mapping: Mapping, watermark: tuple[Any, Any] | None, limit: int) -> Select:
    """The next `limit` rows after `watermark`, each column labelled with our field name."""
    schema, name = mapping.schema_and_name
    source = table(name, *(column(c) for c in set(mapping.columns.values())), schema=schema)
    at = source.c[mapping.columns["updated_at"]]
    key = source.c[mapping.columns[KEY_FIELD[mapping.entity]]]
    stmt = select(*(source.c[col].label(field) for field, col in mapping.columns.items()))
    if watermark is not None:
        wm_at = bindparam("wm_at", watermark[0], type_=NullType())
        wm_key = bindparam("wm_key", watermark[1], type_=NullType())
        stmt = stmt.where(or_(at > wm_at, and_(at == wm_at, key > wm_key)))
    else:
        stmt = stmt.where(at.is_not(None))
    return stmt.order_by(at, key).limit(limit)


def encode(value: Any) -> dict:
    """A JSON form of a watermark value that decodes to the same Python type."""
    if isinstance(value, datetime):
        return {"type": "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, uuid.UUID)):
        return {"type": "str", "value": str(value)}
    return {"type": type(value).__name__.lower(), "value": str(value) if not isinstance(value, int) else value}


_DECODERS = {
    "datetime": datetime.fromisoformat, "date": date.fromisoformat, "str": str, "int": int, "float": float,
    "decimal": Decimal, "uuid": uuid.UUID,
}


def decode(stored: dict) -> Any:
    return _DECODERS[stored["type"]](stored["value"])


def load_watermark(stored: dict | None) -> tuple[Any, Any] | None:
    if not stored:
        return None
    return decode(stored["at"]), decode(stored["key"])


def dump_watermark(at: Any, key: Any) -> dict:
    return {"at": encode(at), "key": encode(key)}
