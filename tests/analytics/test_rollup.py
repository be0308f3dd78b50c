"""The daily rollup: closed days read from notification_daily_stats give the same figures as the log."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app import analytics
from app.analytics import rollup as analytics_rollup
from app.extensions import db
from app.models import Notification, NotificationDailyStat, NotificationRollupDay
from app.models.base import utcnow
from tests.console.builders import notification

# (days ago, minutes after local midnight, channel, status, seconds to sent, error code, event type)
ROWS = [
    (0, 30, "email", "sent", 1, "", "appointment_scheduled"),
    (0, 60, "push", "failed", None, "push_gone", "vehicle_ready"),
    (1, 1, "email", "delivered", 45, "", "appointment_scheduled"),
    (1, 1439, "whatsapp", "read", 700, "", "phase_changed"),
    (1, 700, "whatsapp", "failed", None, "number_not_on_whatsapp", "phase_changed"),
    (1, 701, "whatsapp", "failed", None, "", "phase_changed"),
    (2, 0, "email", "failed", None, "smtp_550", "appointment_scheduled"),
    (2, 5, None, "cancelled", None, "", "vehicle_ready"),
    (2, 300, "push", "queued", None, "", "vehicle_ready"),
    (3, 1430, "email", "sent", 7200, "", "appointment_scheduled"),
    (4, 2, "push", "retrying", None, "", "phase_changed"),
    (4, 3, "email", "sent", 130, "", "phase_changed"),
    (6, 720, "email", "failed", None, "smtp_550", "appointment_scheduled"),
    (6, 721, "whatsapp", "sent", 20, "", "appointment_scheduled"),
    (9, 100, "push", "delivered", 4, "", "vehicle_ready"),
]


@pytest.fixture(params=["America/Guayaquil", "Asia/Kolkata"])
def zone(app, request):
    """A zone behind UTC and one ahead of it (both without DST, as SQLite cuts days by offset)."""
    app.config["TIMEZONE"] = request.param
    return request.param


def build_rows() -> None:
    today = analytics.today()
    for days_ago, minutes, channel, status, sent_after, code, event_type in ROWS:
        created = analytics.day_start(today - timedelta(days=days_ago)) + timedelta(minutes=minutes)
        if days_ago == 0:
            created = min(created, utcnow() - timedelta(seconds=1))
        notification(channel, status, created_at=created, sent_after=sent_after, error_code=code,
                     event_type=event_type)
    db.session.commit()


def everything(first: date, last: date) -> dict:
    return {
        "summary": analytics.summary((last - first).days + 1),
        "week": analytics.period_headline(7),
        "volume": analytics.daily_volume(first, last),
        "rate": analytics.delivery_rate_series(first, last),
        "errors": analytics.failures_by_error_code(first, last),
        "latency": analytics.queued_to_sent_distribution(first, last),
        "channels": analytics.channel_outcomes(first, last),
    }


def live(monkeypatch, first: date, last: date) -> dict:
    """The same figures with every day read from the log (no day counts as closed)."""
    with monkeypatch.context() as patch:
        patch.setattr(analytics_rollup, "first_open_day", lambda: date(2000, 1, 1))
        return everything(first, last)


def test_rollup_backed_figures_equal_the_live_computation(zone, monkeypatch):
    build_rows()
    last = analytics.today()
    first = last - timedelta(days=11)
    expected = live(monkeypatch, first, last)
    assert db.session.scalar(select(func.count()).select_from(NotificationRollupDay)) == 0
    assert everything(first, last) == expected
    assert db.session.scalar(select(func.count()).select_from(NotificationRollupDay)) == 11


def test_rows_near_local_midnight_count_on_their_local_day(zone):
    build_rows()
    last = analytics.today()
    first = last - timedelta(days=11)
    expected = Counter()
    for days_ago, *_ in ROWS:
        expected[(last - timedelta(days=days_ago)).isoformat()] += 1
    assert {row["date"]: row["total"] for row in analytics.daily_totals(first, last) if row["total"]} == expected


def test_summary_totals_match_status_counts_over_the_same_window(zone):
    build_rows()
    last = analytics.today()
    result = analytics.summary(10)
    assert result["by_status"] == analytics.status_counts(*analytics.day_range(last - timedelta(days=9), last))
    assert result["average_delivery_seconds"] == analytics.average_delivery_seconds(
        *analytics.day_range(last - timedelta(days=9), last))


def test_refresh_writes_one_row_per_day_channel_event_type_status_and_error_code(app):
    build_rows()
    yesterday = analytics.today() - timedelta(days=1)
    analytics_rollup.refresh_days(yesterday, yesterday)
    rows = db.session.execute(select(NotificationDailyStat).where(NotificationDailyStat.day == yesterday)).scalars()
    cells = {(r.channel, r.status, r.error_code): (r.count, r.sent_count) for r in rows}
    assert cells == {("email", "delivered", ""): (1, 1), ("whatsapp", "read", ""): (1, 1),
                     ("whatsapp", "failed", "number_not_on_whatsapp"): (1, 0), ("whatsapp", "failed", ""): (1, 0)}


def test_refresh_stores_the_latency_histogram_and_sum(app):
    build_rows()
    yesterday = analytics.today() - timedelta(days=1)
    analytics_rollup.refresh_days(yesterday, yesterday)
    read = db.session.execute(select(NotificationDailyStat).where(NotificationDailyStat.status == "read")).scalar_one()
    assert [getattr(read, f"latency_b{i}") for i in range(6)] == [0, 0, 0, 0, 1, 0]
    assert read.latency_sum == pytest.approx(700, abs=0.01)


def test_rows_without_a_channel_are_kept_as_an_empty_channel(app):
    build_rows()
    day = analytics.today() - timedelta(days=2)
    analytics_rollup.refresh_days(day, day)
    assert db.session.scalar(select(NotificationDailyStat.status).where(NotificationDailyStat.channel == "")) == "cancelled"
    assert {"date": day.isoformat(), "channel": "none", "count": 1} in analytics.daily_volume(day, day)


def test_refreshing_twice_writes_the_same_rows(app):
    build_rows()
    last = analytics.today() - timedelta(days=1)
    first = last - timedelta(days=9)
    written = analytics_rollup.refresh_days(first, last)
    assert analytics_rollup.refresh_days(first, last) == written
    assert db.session.scalar(select(func.count()).select_from(NotificationDailyStat)) == written


def test_ensure_rollup_computes_missing_closed_days_once(app):
    build_rows()
    last = analytics.today()
    assert analytics_rollup.ensure_rollup(last - timedelta(days=4), last) == 4
    assert analytics_rollup.ensure_rollup(last - timedelta(days=6), last) == 2
    assert analytics_rollup.ensure_rollup(last - timedelta(days=6), last) == 0


def test_today_is_never_written_to_the_rollup(app):
    build_rows()
    today = analytics.today()
    analytics.summary(30)
    assert db.session.scalar(select(func.max(NotificationRollupDay.day))) == today - timedelta(days=1)
    assert db.session.scalar(select(func.count()).where(NotificationDailyStat.day >= today)) == 0


def test_today_is_read_live_after_the_rollup_exists(app):
    build_rows()
    analytics.summary(30)
    notification("email", "sent")
    db.session.commit()
    assert analytics.summary(30)["total"] == len(ROWS) + 1


def test_a_closed_day_keeps_its_figures_until_it_is_refreshed(app):
    build_rows()
    yesterday = analytics.today() - timedelta(days=1)
    assert analytics.summary(2)["delivered"] == 2  # yesterday's delivered + read
    start, end = analytics.day_range(yesterday, yesterday)
    db.session.execute(update(Notification).where(Notification.created_at >= start, Notification.created_at < end,
                                                  Notification.status == "failed").values(status="delivered"))
    db.session.commit()
    assert analytics.summary(2)["delivered"] == 2
    analytics_rollup.refresh_days(yesterday, yesterday)
    assert analytics.summary(2)["delivered"] == 4


def test_days_cut_in_another_time_zone_are_recomputed(app):
    build_rows()
    last = analytics.today() - timedelta(days=1)
    analytics_rollup.ensure_rollup(last - timedelta(days=2), last)
    app.config["TIMEZONE"] = "Asia/Kolkata"
    last = analytics.today() - timedelta(days=1)
    assert analytics_rollup.ensure_rollup(last - timedelta(days=2), last) == 3
    zones = db.session.execute(select(NotificationRollupDay.timezone).distinct()).scalars().all()
    assert "Asia/Kolkata" in zones


def test_missing_days_are_grouped_into_contiguous_runs():
    d = date(2026, 3, 1)
    marked = {d + timedelta(days=2), d + timedelta(days=3)}
    assert analytics_rollup._missing_runs(d, d + timedelta(days=6), marked) == [
        (d, d + timedelta(days=1)), (d + timedelta(days=4), d + timedelta(days=6))]
