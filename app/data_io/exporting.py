"""Streamed CSV exports. Rows are read with a server-side cursor (yield_per) and written a
partition at a time, so a million notifications never sit in memory at once.

Customers, vehicles and reminders are exported in their import format (a file exported here
imports back unchanged). Notifications can be filtered by creation date, status and channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, select

from app.data_io.cells import CsvLines
from app.extensions import db
from app.models import Customer, MaintenanceReminder, Notification, ServiceType, Vehicle

PARTITION = 1000


@dataclass(frozen=True)
class NotificationFilter:
    """Created on or after `since` and on or before `until` (dates, inclusive), status, channel."""

    since: date | None = None
    until: date | None = None
    status: str | None = None
    channel: str | None = None


def _customers(_: NotificationFilter | None) -> Select:
    c = Customer
    return select(c.customer_id, c.first_name, c.last_name, c.email, c.phone, c.whatsapp,
                  c.sync_version).order_by(c.customer_id)


def _vehicles(_: NotificationFilter | None) -> Select:
    v = Vehicle
    return (select(v.plate, Customer.customer_id, v.brand, v.model, v.year, v.current_kilometers,
                   v.last_service_date, v.next_service_kilometers, v.image_url, v.sync_version)
            .join(Customer, Customer.id == v.customer_id).order_by(v.plate))


def _reminders(_: NotificationFilter | None) -> Select:
    r = MaintenanceReminder
    return (select(Vehicle.plate, ServiceType.slug.label("service_type"), r.due_date, r.due_kilometers, r.title,
                   r.description, r.notify_before_days, r.notify_before_km, r.status)
            .join(Vehicle, Vehicle.id == r.vehicle_id).outerjoin(ServiceType, ServiceType.id == r.service_type_id)
            .order_by(Vehicle.plate, r.due_date, r.id))


def _notifications(filters: NotificationFilter | None) -> Select:
    n = Notification
    stmt = select(n.created_at, n.id, n.correlation_id, n.event_type, n.customer_ref, n.target, n.channel,
                  n.recipient, n.status, n.attempts, n.error_code, n.error_reason, n.subject, n.sent_at,
                  n.delivered_at, n.read_at, n.failed_at).order_by(n.created_at, n.id)
    f = filters or NotificationFilter()
    if f.since:
        stmt = stmt.where(n.created_at >= datetime.combine(f.since, time.min, UTC))
    if f.until:
        stmt = stmt.where(n.created_at <= datetime.combine(f.until, time.max, UTC))
    if f.status:
        stmt = stmt.where(n.status == f.status)
    if f.channel:
        stmt = stmt.where(n.channel == f.channel)
    return stmt


EXPORTS = {"customers": _customers, "vehicles": _vehicles, "reminders": _reminders, "notifications": _notifications}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def export_rows(entity: str, *, delimiter: str = ",", bom: bool = False,
                filters: NotificationFilter | None = None, headers: Mapping[str, str] | None = None,
                cell: Callable[[str, Any], Any] | None = None) -> Iterator[str]:
    """The CSV text of `entity`, header first, one chunk per PARTITION rows (cells made safe: cells.py).

    `headers` renames columns (the console's Spanish headers); `cell(column, value)` writes a value
    (the console's local times and Spanish labels); by default ISO 8601 and codes."""
    stmt = EXPORTS[entity](filters)
    lines = CsvLines(delimiter)
    keys = [c.key for c in stmt.selected_columns]
    yield ("\ufeff" if bom else "") + lines.row((headers or {}).get(k, k) for k in keys)
    write = cell or (lambda _column, value: _cell(value))
    result = db.session.execute(stmt.execution_options(yield_per=PARTITION))
    try:
        for partition in result.partitions():
            yield lines.rows([write(k, v) for k, v in zip(keys, row, strict=True)] for row in partition)
    finally:
        result.close()
