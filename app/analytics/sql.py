"""Days in the workshops' time zone and the SQL expressions the analytics queries and the daily
rollup share (PostgreSQL and SQLite spell them differently)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.models import Notification
from app.models.analytics import LATENCY_BUCKET_COLUMNS
from app.models.base import utcnow

# Upper bounds (seconds) of the queued-to-sent histogram buckets; the last bucket is open.
LATENCY_BUCKETS = (5, 30, 120, 600, 3600)
assert len(LATENCY_BUCKET_COLUMNS) == len(LATENCY_BUCKETS) + 1, "the rollup stores one column per bucket"
_TZ_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")


def day_start(day: date) -> datetime:
    """The UTC instant at which `day` starts in the configured time zone."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in local time, as UTC instants."""
    return day_start(start), day_start(end + timedelta(days=1))


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def local_day(column) -> ColumnElement:
    """The calendar day of a UTC timestamp column in the configured zone, as 'YYYY-MM-DD' text."""
    name = current_app.config.get("TIMEZONE") or "UTC"
    if is_postgres():
        if not _TZ_NAME.match(name):
            raise ValueError(f"unexpected time zone name {name!r}")
        # A literal (validated above), so SELECT and GROUP BY are the same expression.
        return func.to_char(func.timezone(literal_column(f"'{name}'"), column), "YYYY-MM-DD")
    # SQLite stores naive UTC: shift by the zone's current offset (exact for zones without DST).
    offset = utcnow().astimezone(local_zone()).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    return func.strftime("%Y-%m-%d", column, literal_column(f"'{minutes:+d} minutes'"))


def seconds_between(later, earlier) -> ColumnElement:
    if is_postgres():
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def count_if(condition) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def in_window(start: datetime, end: datetime):
    return and_(Notification.created_at >= start, Notification.created_at < end)
