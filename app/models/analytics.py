"""The daily rollup of the notification log, read by analytics instead of scanning closed days.

Rows are written only by app/analytics/rollup.py (one INSERT ... SELECT ... GROUP BY per
range of days); a day is "computed" when it has a NotificationRollupDay mark, even with no stats.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# One column per queued-to-sent histogram bucket of app.analytics.LATENCY_BUCKETS
# (< 5 s, 5-30 s, 30 s-2 min, 2-10 min, 10 min-1 h, >= 1 h); changing the buckets needs a migration.
LATENCY_BUCKET_COLUMNS = ("latency_b0", "latency_b1", "latency_b2", "latency_b3", "latency_b4", "latency_b5")


class NotificationDailyStat(db.Model):
    """Notifications created on one local day (TIMEZONE) per channel, event type, status and error code."""

    __tablename__ = "notification_daily_stats"
    __table_args__ = (
        UniqueConstraint("day", "channel", "event_type", "status", "error_code", name="uq_daily_stats_cell"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    # '' for rows without a channel (the unique key must not contain NULLs).
    channel: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    # The row's error code for failed rows, '' for every other status.
    error_code: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    # Rows with a sent_at, the sum of their queued-to-sent seconds, and their histogram.
    sent_count: Mapped[int] = mapped_column(Integer)
    latency_sum: Mapped[float] = mapped_column(Float)
    latency_b0: Mapped[int] = mapped_column(Integer)
    latency_b1: Mapped[int] = mapped_column(Integer)
    latency_b2: Mapped[int] = mapped_column(Integer)
    latency_b3: Mapped[int] = mapped_column(Integer)
    latency_b4: Mapped[int] = mapped_column(Integer)
    latency_b5: Mapped[int] = mapped_column(Integer)


class NotificationRollupDay(db.Model):
    """A local day whose stats are in notification_daily_stats, and when they were computed."""

    __tablename__ = "notification_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The TIMEZONE the day was cut in: after a change of setting, days are recomputed on demand.
    timezone: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
