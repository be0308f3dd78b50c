"""Creating and editing pull-sync sources from the console: the column mapping as text, checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import SyncSource
from app.models.sync_sources import DEFAULT_CUSTOMER_COLUMNS, DEFAULT_VEHICLE_COLUMNS
from app.sync import pull_guard
from app.sync.pull_query import Mapping

DEFAULTS = {"customers": DEFAULT_CUSTOMER_COLUMNS, "vehicles": DEFAULT_VEHICLE_COLUMNS}


def mapping_text(columns: dict[str, str]) -> str:
    """'field = column' per line, the way the console edits a mapping."""
    return "\n".join(f"{field} = {column}" for field, column in columns.items())


def parse_mapping_text(text: str) -> tuple[dict[str, str], list[str]]:
    """Parse 'field = column' lines (':' works too; blank lines and '#' comments ignored)."""
    columns: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        field, sep, column = line.replace(":", "=", 1).partition("=")
        if not sep or not field.strip() or not column.strip():
            problems.append(f"Line {number}: write 'field = column'.")
            continue
        columns[field.strip()] = column.strip()
    return columns, problems


@dataclass
class SourceInput:
    """What the console form sends; `url` empty on an edit keeps the stored one."""

    name: str
    url: str
    customer_table: str
    customer_columns: str
    vehicle_table: str
    vehicle_columns: str
    interval_minutes: int
    batch_size: int
    active: bool


def save_source(source: SyncSource | None, data: SourceInput) -> tuple[SyncSource | None, dict[str, list[str]]]:
    """Validate and store (commit). Returns (source, {}) or (None, {form field: [problems]})."""
    errors: dict[str, list[str]] = {}
    customer_columns, errors["customer_columns"] = parse_mapping_text(data.customer_columns)
    vehicle_columns, errors["vehicle_columns"] = parse_mapping_text(data.vehicle_columns)
    _check_tables(data, customer_columns, vehicle_columns, errors)
    _check_url(source, data.url, errors)
    _check_name(source, data.name, errors)
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        return None, errors
    if source is None:
        source = SyncSource(watermarks={})
        db.session.add(source)
    if data.url:
        source.set_url(data.url)
    values: dict[str, Any] = {
        "name": data.name.strip(), "customer_table": data.customer_table.strip(), "customer_columns": customer_columns,
        "vehicle_table": data.vehicle_table.strip(), "vehicle_columns": vehicle_columns,
        "interval_minutes": data.interval_minutes, "batch_size": data.batch_size, "active": data.active,
    }
    for name, value in values.items():
        setattr(source, name, value)
    db.session.commit()
    return source, {}


def _check_tables(data: SourceInput, customers: dict, vehicles: dict, errors: dict) -> None:
    if not data.customer_table.strip() and not data.vehicle_table.strip():
        errors["customer_table"] = ["Name the customers table, the vehicles table or both."]
    for entity, table, columns, field in (("customers", data.customer_table, customers, "customer_columns"),
                                          ("vehicles", data.vehicle_table, vehicles, "vehicle_columns")):
        if table.strip():
            errors[field] = errors[field] + Mapping(entity, table.strip(), columns).problems()


def _check_url(source: SyncSource | None, url: str, errors: dict) -> None:
    if not url:
        if source is None:
            errors["url"] = ["Enter the connection URL."]
        return
    try:
        pull_guard.checked_connection(url)
    except pull_guard.SourceRefused as err:
        errors["url"] = [str(err)]


def _check_name(source: SyncSource | None, name: str, errors: dict) -> None:
    name = name.strip()
    if not name:
        errors["name"] = ["Enter a name."]
        return
    other = db.session.scalar(select(SyncSource).where(SyncSource.name == name))
    if other is not None and other is not source:
        errors["name"] = ["Another source has this name."]
