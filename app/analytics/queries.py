"""Notification metrics, aggregated in SQL (never in Python loops over rows).

Used by the console dashboard, the analytics page and the JSON analytics API. Every function
takes plain arguments and returns plain dicts/lists ready to serialise.

Vocabulary (see docs/CONSOLE.md):
- "successful": rows that reached the provider (sent, delivered or read).
- "delivered": delivered or read (a provider receipt arrived).
- "delivery_rate": successful / (successful + failed) in percent, None when nothing finished.
- Days are calendar days in the TIMEZONE setting.

Figures over days read closed days from the daily rollup and today live from the log
(rollup.py); channel_health, recent and latest_failures read the log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from app.analytics import rollup
from app.analytics.sql import (
    LATENCY_BUCKETS,
    count_if,
    in_window,
    seconds_between,
    today,
)
from app.channels import CHANNELS
from app.extensions import db
from app.models import DispatchEvent, Notification
from app.models.analytics import LATENCY_BUCKET_COLUMNS
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

SUCCESSFUL = (S.SENT, S.DELIVERED, S.READ)
DELIVERED = (S.DELIVERED, S.READ)
PENDING = (S.WAITING_FOR_CUSTOMER, S.SCHEDULED, S.QUEUED, S.SENDING, S.RETRYING)


def _rate(successful: int, failed: int) -> float | None:
    finished = successful + failed
    return round(100.0 * successful / finished, 1) if finished else None


# Counts ---------------------------------------------------------------------------------------
def status_counts(start: datetime, end: datetime) -> dict[str, int]:
    """Rows created in [start, end) per status, every status present (0 when none)."""
    rows = db.session.execute(
        select(Notification.status, func.count()).where(in_window(start, end)).group_by(Notification.status)
    ).all()
    counts = dict.fromkeys(S.ALL, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def headline(counts: dict[str, int]) -> dict[str, Any]:
    """Dashboard figures from a status_counts() result."""
    successful = sum(counts.get(s, 0) for s in SUCCESSFUL)
    failed = counts.get(S.FAILED, 0)
    return {
        "total": sum(counts.values()),
        "queued": sum(counts.get(s, 0) for s in PENDING),
        "sent": successful,
        "delivered": sum(counts.get(s, 0) for s in DELIVERED),
        "failed": failed,
        "cancelled": counts.get(S.CANCELLED, 0),
        "delivery_rate": _rate(successful, failed),
    }


def status_counts_days(first: date, last: date) -> dict[str, int]:
    """status_counts() over local days [first, last] (closed days from the rollup)."""
    counts = dict.fromkeys(S.ALL, 0)
    counts.update({status: n for (status,), (n,) in rollup.cells(first, last, ("status",), ("count",)).items()})
    return counts


def period_headline(days: int) -> dict[str, Any]:
    """headline() for the last `days` calendar days including today (days=1: today only)."""
    end = today()
    return headline(status_counts_days(end - timedelta(days=max(1, days) - 1), end))


def summary(days: int = 30) -> dict[str, Any]:
    """Aggregated statistics of the last `days` days: totals, rate, breakdowns, daily trend."""
    days = max(1, min(int(days), 366))
    last = today()
    first = last - timedelta(days=days - 1)
    counts = status_counts_days(first, last)
    figures = headline(counts)
    return {
        "period": {"days": days, "start": first.isoformat(), "end": last.isoformat()},
        "total": figures["total"],
        "sent": figures["sent"],
        "delivered": figures["delivered"],
        "failed": figures["failed"],
        "pending": figures["queued"],
        "cancelled": figures["cancelled"],
        "delivery_rate": figures["delivery_rate"],
        "average_delivery_seconds": average_delivery_seconds_days(first, last),
        "by_status": counts,
        "by_channel": _by_channel(first, last),
        "by_event_type": by_event_type(first, last),
        "daily": daily_totals(first, last),
    }


def average_delivery_seconds(start: datetime, end: datetime) -> float | None:
    """Mean time from creation (queued) to sent over rows sent in the window."""
    value = db.session.execute(
        select(func.avg(seconds_between(Notification.sent_at, Notification.created_at)))
        .where(in_window(start, end), Notification.sent_at.is_not(None))
    ).scalar()
    return round(float(value), 2) if value is not None else None


def average_delivery_seconds_days(first: date, last: date) -> float | None:
    """average_delivery_seconds() over local days [first, last] (closed days from the rollup)."""
    sent, seconds = rollup.cells(first, last, (), ("sent_count", "latency_sum")).get((), (0, 0.0))
    return round(seconds / sent, 2) if sent else None


def _by_channel(first: date, last: date) -> dict[str, dict[str, Any]]:
    per_channel: dict[str, dict[str, int]] = {}
    for (channel, status), (n,) in rollup.cells(first, last, ("channel", "status"), ("count",)).items():
        per_channel.setdefault(channel or "none", dict.fromkeys(S.ALL, 0))[status] = n
    return {channel: headline(counts) for channel, counts in per_channel.items()}


def by_event_type(first: date, last: date) -> dict[str, int]:
    found = rollup.cells(first, last, ("event_type",), ("count",))
    ranked = sorted(((event_type, n) for (event_type,), (n,) in found.items()), key=lambda item: (-item[1], item[0]))
    return dict(ranked)


def daily_totals(first: date, last: date) -> list[dict[str, Any]]:
    """Per local day: total, successful, failed, delivery rate (days without rows included)."""
    found: dict[str, tuple[int, int, int]] = {}
    for (day, status), (n,) in rollup.cells(first, last, ("day", "status"), ("count",)).items():
        total, ok, bad = found.get(day, (0, 0, 0))
        found[day] = (total + n, ok + (n if status in SUCCESSFUL else 0), bad + (n if status == S.FAILED else 0))
    series = []
    for offset in range((last - first).days + 1):
        key = (first + timedelta(days=offset)).isoformat()
        total, ok, bad = found.get(key, (0, 0, 0))
        series.append({"date": key, "total": total, "sent": ok, "failed": bad, "delivery_rate": _rate(ok, bad)})
    return series


# Analytics charts -----------------------------------------------------------------------------
def daily_volume(first: date, last: date) -> list[dict[str, Any]]:
    """Rows per local day and channel: [{date, channel, count}] (only non-empty cells)."""
    found = rollup.cells(first, last, ("day", "channel"), ("count",))
    return [{"date": d, "channel": channel or "none", "count": n}
            for (d, channel), (n,) in sorted(found.items(), key=lambda item: (item[0][0], item[0][1] or ""))]


def delivery_rate_series(first: date, last: date) -> list[dict[str, Any]]:
    """Per local day: successful, failed and the delivery rate (percent or None)."""
    return [{k: row[k] for k in ("date", "sent", "failed", "delivery_rate")} for row in daily_totals(first, last)]


def failures_by_error_code(first: date, last: date, limit: int = 15) -> list[dict[str, Any]]:
    """Failed rows per error code ('unknown' when empty), most frequent first."""
    counts: dict[str, int] = {}
    for (code,), (n,) in rollup.cells(first, last, ("error_code",), ("count",), statuses=(S.FAILED,)).items():
        counts[code or "unknown"] = counts.get(code or "unknown", 0) + n
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [{"error_code": c, "count": n} for c, n in ranked]


def queued_to_sent_distribution(first: date, last: date) -> list[dict[str, Any]]:
    """Histogram of seconds from creation to sent: [{bucket, upper_seconds, count}] in order."""
    counts = rollup.cells(first, last, (), LATENCY_BUCKET_COLUMNS).get((), [0] * len(LATENCY_BUCKET_COLUMNS))
    labels = _latency_labels()
    return [{"bucket": labels[i], "upper_seconds": LATENCY_BUCKETS[i] if i < len(LATENCY_BUCKETS) else None,
             "count": counts[i]} for i in range(len(labels))]


def _latency_labels() -> list[str]:
    def short(seconds: int) -> str:
        return f"{seconds // 3600} h" if seconds >= 3600 else f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"

    labels, lower = [], 0
    for bound in LATENCY_BUCKETS:
        labels.append(f"< {short(bound)}" if lower == 0 else f"{short(lower)}–{short(bound)}")
        lower = bound
    labels.append(f"≥ {short(lower)}")
    return labels


# Health and recent rows -----------------------------------------------------------------------
def channel_health(hours: int = 24) -> list[dict[str, Any]]:
    """Per channel, over the last `hours`: counts, success rate and a health verdict.

    status: idle (nothing finished), healthy (>= 95 % success), degraded (>= 50 %), failing.
    """
    since = utcnow() - timedelta(hours=max(1, int(hours)))
    rows = db.session.execute(
        select(Notification.channel, func.count(), count_if(Notification.status.in_(SUCCESSFUL)),
               count_if(Notification.status == S.FAILED), count_if(Notification.status.in_(PENDING)),
               func.max(Notification.sent_at), func.max(Notification.failed_at))
        .where(Notification.created_at >= since, Notification.channel.is_not(None))
        .group_by(Notification.channel)
    ).all()
    found = {row[0]: row[1:] for row in rows}
    return [_health_entry(channel, found.get(channel)) for channel in CHANNELS]


def _health_entry(channel: str, row: tuple | None) -> dict[str, Any]:
    total, ok, bad, pending, last_ok, last_bad = row or (0, 0, 0, 0, None, None)
    ok, bad = int(ok or 0), int(bad or 0)
    rate = _rate(ok, bad)
    status = "idle" if rate is None else "healthy" if rate >= 95 else "degraded" if rate >= 50 else "failing"
    return {
        "channel": channel, "status": status, "total": int(total or 0), "successful": ok, "failed": bad,
        "pending": int(pending or 0), "success_rate": rate,
        "last_success_at": iso_utc(last_ok), "last_failure_at": iso_utc(last_bad),
    }


def iso_utc(value) -> str | None:
    """A stored timestamp as ISO 8601 with offset (SQLite gives naive UTC values)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


RECENT_COLUMNS = (
    "id", "correlation_id", "event_type", "channel", "status", "recipient", "customer_ref", "subject",
    "attempts", "error_code", "error_reason", "created_at", "sent_at", "failed_at",
)


def recent(limit: int = 50, channel: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The newest log rows (optionally one channel / one status), newest first."""
    limit = max(1, min(int(limit), 500))
    columns = [getattr(Notification, name) for name in RECENT_COLUMNS]
    query = select(*columns).order_by(Notification.created_at.desc()).limit(limit)
    if channel:
        query = query.where(Notification.channel == channel)
    if status:
        query = query.where(Notification.status == status)
    return [_plain(dict(zip(RECENT_COLUMNS, row))) for row in db.session.execute(query).all()]


def latest_failures(limit: int = 8) -> list[dict[str, Any]]:
    """The most recent failed rows (by failure time), for the dashboard."""
    columns = [getattr(Notification, name) for name in RECENT_COLUMNS]
    query = (select(*columns).where(Notification.status == S.FAILED)
             .order_by(Notification.created_at.desc()).limit(limit))
    return [_plain(dict(zip(RECENT_COLUMNS, row))) for row in db.session.execute(query).all()]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    row["id"] = str(row["id"])
    for key in ("created_at", "sent_at", "failed_at"):
        row[key] = iso_utc(row[key])
    return row


def channel_outcomes(first: date, last: date) -> list[dict[str, Any]]:
    """Per channel over local days [first, last]: successful, failed, pending and the rate."""
    found = _by_channel(first, last)
    rows = []
    for channel in CHANNELS:
        figures = found.get(channel) or headline(dict.fromkeys(S.ALL, 0))
        rows.append({"channel": channel, "successful": figures["sent"], "failed": figures["failed"],
                     "pending": figures["queued"], "cancelled": figures["cancelled"],
                     "delivery_rate": figures["delivery_rate"]})
    return rows


# Strategies -----------------------------------------------------------------------------------
def strategy_reach(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per delivery strategy (all | first_available), client events planned in [start, end): how
    many there were, how many reached their customer (a message sent, delivered or read), the
    messages that got through, and on which channel customers were reached. One query."""
    e, n = DispatchEvent.__table__.c, Notification.__table__.c
    reached = n.status.in_(SUCCESSFUL)
    rows = db.session.execute(
        select(e.strategy, n.channel, func.count(func.distinct(e.id)).label("events"),
               func.count(func.distinct(case((reached, e.id)))).label("reached"),
               count_if(reached).label("messages"))
        .join_from(DispatchEvent.__table__, Notification.__table__, n.event_id == e.id)
        .where(e.target == "clients", e.created_at >= start, e.created_at < end)
        .group_by(e.strategy, n.channel)).all()
    totals = db.session.execute(
        select(e.strategy, func.count(func.distinct(e.id)), func.count(func.distinct(case((reached, e.id)))))
        .join_from(DispatchEvent.__table__, Notification.__table__, n.event_id == e.id)
        .where(e.target == "clients", e.created_at >= start, e.created_at < end)
        .group_by(e.strategy)).all()
    out = {strategy or "all": {"strategy": strategy or "all", "events": events, "customers_reached": hit,
                               "messages_sent": 0, "reached_by_channel": {}}
           for strategy, events, hit in totals}
    for row in rows:
        entry = out[row.strategy or "all"]
        entry["messages_sent"] += row.messages
        if row.channel and row.reached:
            entry["reached_by_channel"][row.channel] = row.reached
    for entry in out.values():
        entry["messages_per_customer_reached"] = (round(entry["messages_sent"] / entry["customers_reached"], 2)
                                                  if entry["customers_reached"] else None)
    return sorted(out.values(), key=lambda item: item["strategy"])
