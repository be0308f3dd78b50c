"""The reference service's analytics shapes, served on its paths (/api/v1/analytics/summary|recent|health/)
for the clients written against it (the Ambacar PWA). Avisos' richer shapes are in queries.py and
served on /api/v1/analytics/report|log|channels/ (docs/CLIENTS.md).

The reference knows seven statuses (pending, queued, sent, delivered, read, bounced, failed); Avisos'
finer ones are mapped onto them (REFERENCE_STATUS) and given exactly beside them (`avisos_status`).
Rates are percentages and never null: 0 when there is nothing to divide.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.analytics import queries, rollup, sql
from app.channels import CHANNELS
from app.extensions import db
from app.models import Notification, NotificationTemplate
from app.models.base import utcnow
from app.models.enums import NotificationStatus as S

REFERENCE_STATUS = {
    S.WAITING_FOR_CUSTOMER: "pending", S.SCHEDULED: "pending", S.QUEUED: "queued", S.SENDING: "queued",
    S.RETRYING: "queued",
    S.SENT: "sent", S.DELIVERED: "delivered", S.READ: "read", S.FAILED: "failed",
    # Not sent, and never will be: the closest of the reference's seven (the reason says why).
    S.CANCELLED: "failed",
}
REFERENCE_STATUSES = ("pending", "queued", "sent", "delivered", "read", "bounced", "failed")
CANCELLED_REASON = "Cancelado por el personal del taller."
HEALTHY_RATE = 90.0  # the reference's threshold


def avisos_statuses(reference_status: str) -> list[str]:
    """The Avisos statuses a reference status stands for (bounced: none)."""
    return [status for status, mapped in REFERENCE_STATUS.items() if mapped == reference_status]


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def summary(days: int) -> dict[str, Any]:
    """The reference's summary over the last `days` local calendar days (today included)."""
    days = max(1, min(int(days), 366))
    last = sql.today()
    first = last - timedelta(days=days - 1)
    counts = queries.status_counts_days(first, last)
    sent = sum(counts[s] for s in queries.SUCCESSFUL)
    delivered = sum(counts[s] for s in queries.DELIVERED)
    by_status: dict[str, int] = dict.fromkeys(("pending", "queued", "sent", "delivered", "read", "failed"), 0)
    for status, n in counts.items():
        key = "cancelled" if status == S.CANCELLED else REFERENCE_STATUS[status]
        by_status[key] = by_status.get(key, 0) + n
    start = sql.day_start(first)
    return {
        "period_start": start.isoformat(),
        "period_end": utcnow().isoformat(),
        "total_sent": sent,
        "total_delivered": delivered,
        "total_failed": counts[S.FAILED],
        "total_pending": sum(counts[s] for s in queries.PENDING),
        "delivery_rate": _percent(delivered, sent),
        "avg_delivery_time_seconds": _average_receipt_seconds(start),
        "by_channel": _by_channel(first, last),
        "by_status": by_status,
        "by_event_type": queries.by_event_type(first, last),
        "daily_breakdown": _daily(first, last),
    }


def _average_receipt_seconds(start) -> float | None:
    """The reference's delivery time: from sent to the provider's delivery receipt."""
    value = db.session.execute(
        select(func.avg(sql.seconds_between(Notification.delivered_at, Notification.sent_at)))
        .where(Notification.created_at >= start, Notification.sent_at.is_not(None),
               Notification.delivered_at.is_not(None))
    ).scalar()
    return round(float(value), 2) if value is not None else None


def _by_channel(first, last) -> dict[str, int]:
    out = dict.fromkeys(CHANNELS, 0)
    for (channel,), (n,) in rollup.cells(first, last, ("channel",), ("count",)).items():
        if channel in out:
            out[channel] += n
    return out


def _daily(first, last) -> list[dict[str, Any]]:
    found: dict[str, dict[str, int]] = {}
    for (day, status), (n,) in rollup.cells(first, last, ("day", "status"), ("count",)).items():
        entry = found.setdefault(day, {"total": 0, "sent": 0, "delivered": 0, "failed": 0})
        entry["total"] += n
        if status == S.SENT:
            entry["sent"] += n
        elif status in queries.DELIVERED:
            entry["delivered"] += n
        elif status == S.FAILED:
            entry["failed"] += n
    series = []
    for offset in range((last - first).days + 1):
        key = (first + timedelta(days=offset)).isoformat()
        series.append({"date": key, **found.get(key, {"total": 0, "sent": 0, "delivered": 0, "failed": 0})})
    return series


RECENT_COLUMNS = ("id", "correlation_id", "event_type", "channel", "customer_ref", "status", "sent_at",
                  "created_at", "error_reason")


def recent(limit: int, channel: str | None, status: str | None) -> list[dict[str, Any]]:
    """The newest log rows in the reference's shape; `status` is one of the reference's seven."""
    columns = [getattr(Notification, name) for name in RECENT_COLUMNS]
    query = (select(*columns, NotificationTemplate.name)
             .outerjoin(NotificationTemplate, NotificationTemplate.id == Notification.template_id)
             .order_by(Notification.created_at.desc()).limit(max(1, min(int(limit), 100))))
    if channel:
        query = query.where(Notification.channel == channel)
    if status:
        query = query.where(Notification.status.in_(avisos_statuses(status)))
    return [_recent_row(dict(zip((*RECENT_COLUMNS, "template_name"), row))) for row in db.session.execute(query)]


def _recent_row(row: dict[str, Any]) -> dict[str, Any]:
    status = REFERENCE_STATUS.get(row["status"], row["status"])
    reason = row["error_reason"] or (CANCELLED_REASON if row["status"] == S.CANCELLED else None)
    sent_at = queries.iso_utc(row["sent_at"])
    return {
        "id": str(row["id"]), "event_type": row["event_type"], "channel": row["channel"],
        "recipient_id": row["customer_ref"], "status": status, "sent_at": sent_at,
        "created_at": queries.iso_utc(row["created_at"]),
        "template_name": row["template_name"] or ("custom_event" if row["event_type"] == "custom" else None),
        "error_reason": reason, "inferred_status": status if sent_at else "pending_or_in_progress",
        "avisos_status": row["status"], "correlation_id": row["correlation_id"],
    }


def health(hours: int = 24) -> dict[str, dict[str, Any]]:
    """Per channel over the last `hours`: the reference's counts, rate and verdict, every channel present."""
    out = {}
    for entry in queries.channel_health(hours):
        total, success = entry["total"], entry["successful"]
        rate = _percent(success, total)
        out[entry["channel"]] = {"total": total, "success": success, "failed": entry["failed"], "success_rate": rate,
                                 "is_healthy": total == 0 or rate >= HEALTHY_RATE}
    return out
