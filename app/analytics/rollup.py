"""The daily rollup: closed local days of the notification log aggregated once, so analytics reads
a few hundred rows per day from notification_daily_stats instead of every notification.

- refresh_days(first, last): recompute local days [first, last] in one transaction (delete, then one
  INSERT ... SELECT ... GROUP BY over the log); serialised on PostgreSQL by an advisory lock.
- ensure_rollup(first, last): compute the closed days of [first, last] not computed yet (fresh
  install, a range never asked for, a changed TIMEZONE).
- cells(first, last, dims, measures): figures per combination of dims over local days [first, last],
  closed days from the rollup and today (and later) live from the log, merged.

A row's status can change after its day closed (late receipts, retries, resends): the hourly job
(jobs/analytics.py) refreshes the last ANALYTICS_ROLLUP_REFRESH_DAYS closed days; older days keep
their last computation until refresh_days is run for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Date, case, cast, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from app.analytics import sql
from app.extensions import db
from app.models import Notification, NotificationDailyStat, NotificationRollupDay
from app.models.analytics import LATENCY_BUCKET_COLUMNS
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

log = logging.getLogger(__name__)

DIMENSIONS = ("day", "channel", "event_type", "status", "error_code")
MEASURES = ("count", "sent_count", "latency_sum", *LATENCY_BUCKET_COLUMNS)
# Closed days the hourly job computes when missing: the default ranges (7 and 30 days) and more
# are ready before anyone asks; longer ranges are computed on their first view.
BACKFILL_DAYS = 90
_LOCK_KEY = 0x61766973  # pg_advisory_xact_lock key: one rollup writer at a time


def first_open_day() -> date:
    """The first local day still read live from the log (today): earlier days are closed."""
    return sql.today()


def _zone_name() -> str:
    return current_app.config.get("TIMEZONE") or "UTC"


# Expressions over the log, shared by the rollup and the live reads --------------------------------
def _log_dimension(name: str) -> ColumnElement:
    if name == "day":
        return sql.local_day(Notification.created_at)
    if name == "error_code":
        return case((Notification.status == S.FAILED, func.coalesce(Notification.error_code, "")), else_="")
    return getattr(Notification, name)


def _latency_bucket() -> ColumnElement:
    """Index of the queued-to-sent bucket of a row (NULL when it was never sent)."""
    seconds = sql.seconds_between(Notification.sent_at, Notification.created_at)
    return case((Notification.sent_at.is_(None), None),
                *[(seconds < bound, index) for index, bound in enumerate(sql.LATENCY_BUCKETS)],
                else_=len(sql.LATENCY_BUCKETS))


def _log_measure(name: str) -> ColumnElement:
    if name == "count":
        return func.count()
    if name == "sent_count":
        return func.count(Notification.sent_at)
    if name == "latency_sum":
        return func.coalesce(func.sum(sql.seconds_between(Notification.sent_at, Notification.created_at)), 0.0)
    return sql.count_if(_latency_bucket() == LATENCY_BUCKET_COLUMNS.index(name))


# Writing ------------------------------------------------------------------------------------------
def refresh_days(first: date, last: date) -> int:
    """Recompute the rollup of local days [first, last] from the log; returns the stats rows written."""
    if first > last:
        return 0
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    now, zone = utcnow(), _zone_name()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        conn.execute(delete(NotificationDailyStat).where(NotificationDailyStat.day.between(first, last)))
        conn.execute(delete(NotificationRollupDay).where(NotificationRollupDay.day.between(first, last)))
        conn.execute(insert(NotificationDailyStat).from_select([*DIMENSIONS, *MEASURES], _rollup_select(first, last)))
        conn.execute(insert(NotificationRollupDay), [{"day": d, "timezone": zone, "refreshed_at": now} for d in days])
        # rowcount of INSERT ... SELECT is -1 with psycopg: count what the range now holds.
        return int(conn.execute(select(func.count()).where(NotificationDailyStat.day.between(first, last))).scalar())


def _rollup_select(first: date, last: date):
    """SELECT of the stats rows of local days [first, last], in DIMENSIONS + MEASURES order."""
    start, end = sql.day_range(first, last)
    day = _log_dimension("day")
    columns = {name: _log_dimension(name) for name in DIMENSIONS}
    columns["channel"] = func.coalesce(Notification.channel, "")
    if sql.is_postgres():
        columns["day"] = cast(day, Date)
    labelled = [columns[name].label(name) for name in DIMENSIONS]
    query = (select(*labelled, *[_log_measure(name).label(name) for name in MEASURES])
             .where(sql.in_window(start, end)).group_by(*labelled))
    if not sql.is_postgres():
        # SQLite cuts days with the zone's current offset: keep rows inside the range's own days.
        query = query.where(day.between(first.isoformat(), last.isoformat()))
    return query


def refresh_recent(days: int | None = None) -> dict[str, Any]:
    """Recompute the last `days` closed days (ANALYTICS_ROLLUP_REFRESH_DAYS by default), and compute
    any missing day of the last BACKFILL_DAYS, so a fresh install does not pay it on a page view."""
    days = max(1, int(days or current_app.config.get("ANALYTICS_ROLLUP_REFRESH_DAYS") or 3))
    last = first_open_day() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    rows = refresh_days(first, last)
    backfilled = ensure_rollup(last - timedelta(days=BACKFILL_DAYS - 1), last)
    return {"first": first.isoformat(), "last": last.isoformat(), "rows": rows, "backfilled_days": backfilled}


def ensure_rollup(first: date, last: date) -> int:
    """Compute the closed days of [first, last] missing from the rollup; returns the days computed."""
    last = min(last, first_open_day() - timedelta(days=1))
    if first > last:
        return 0
    marked = set(db.session.execute(
        select(NotificationRollupDay.day).where(NotificationRollupDay.day.between(first, last),
                                                NotificationRollupDay.timezone == _zone_name())
    ).scalars())
    computed = 0
    for run_first, run_last in _missing_runs(first, last, marked):
        try:
            refresh_days(run_first, run_last)
        except IntegrityError:  # another process computed the same days first (SQLite has no lock)
            log.info("rollup of %s..%s written concurrently", run_first, run_last)
        computed += (run_last - run_first).days + 1
    return computed


def _missing_runs(first: date, last: date, marked: set[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days in [first, last] not in `marked`, so each run is one INSERT ... SELECT."""
    runs: list[tuple[date, date]] = []
    day = first
    while day <= last:
        if day in marked:
            day += timedelta(days=1)
            continue
        run_first = day
        while day + timedelta(days=1) <= last and day + timedelta(days=1) not in marked:
            day += timedelta(days=1)
        runs.append((run_first, day))
        day += timedelta(days=1)
    return runs


# Reading ------------------------------------------------------------------------------------------
def cells(first: date, last: date, dims: Iterable[str], measures: Iterable[str],
          statuses: tuple[str, ...] | None = None) -> dict[tuple, list[Any]]:
    """Sums of `measures` per combination of `dims` over rows created on local days [first, last].

    Keys: day as 'YYYY-MM-DD', channel None for rows without one. Closed days come from the rollup
    (computed on demand when missing), days from today on from the log.
    """
    dims, measures = tuple(dims), tuple(measures)
    found: dict[tuple, list[Any]] = {}
    opens = first_open_day()
    closed_last = min(last, opens - timedelta(days=1))
    if first <= closed_last:
        ensure_rollup(first, closed_last)
        _add(found, dims, measures, _stats_rows(first, closed_last, dims, measures, statuses))
    open_first = max(first, opens)
    if open_first <= last:
        _add(found, dims, measures, _log_rows(open_first, last, dims, measures, statuses))
    return found


def _stats_rows(first, last, dims, measures, statuses):
    stat = NotificationDailyStat
    keys = [getattr(stat, name) for name in dims]
    query = (select(*keys, *[func.sum(getattr(stat, name)) for name in measures])
             .where(stat.day.between(first, last)).group_by(*keys))
    if statuses:
        query = query.where(stat.status.in_(statuses))
    return db.session.execute(query).all()


def _log_rows(first, last, dims, measures, statuses):
    start, end = sql.day_range(first, last)
    keys = [_log_dimension(name).label(name) for name in dims]
    query = (select(*keys, *[_log_measure(name) for name in measures])
             .where(sql.in_window(start, end)).group_by(*keys))
    if statuses:
        query = query.where(Notification.status.in_(statuses))
    return db.session.execute(query).all()


def _add(found: dict[tuple, list[Any]], dims: tuple[str, ...], measures: tuple[str, ...], rows) -> None:
    for row in rows:
        key = tuple(_normal(name, value) for name, value in zip(dims, row))
        values = [float(value or 0) if name == "latency_sum" else int(value or 0)
                  for name, value in zip(measures, row[len(dims):])]
        total = found.get(key)
        found[key] = values if total is None else [a + b for a, b in zip(total, values)]


def _normal(name: str, value: Any) -> Any:
    """One spelling per key whichever side it came from: ISO day, None for "no channel"."""
    if name == "day" and isinstance(value, date):
        return value.isoformat()
    if name == "channel" and value == "":
        return None
    return value
