"""SQL aggregates behind the dashboard, the analytics page and the analytics API."""

from __future__ import annotations

from datetime import timedelta

from app import analytics
from app.extensions import db
from app.models.base import utcnow
from tests.console.builders import notification


def test_summary_counts_statuses_and_computes_the_delivery_rate(app):
    for _ in range(3):
        notification("email", "sent")
    notification("whatsapp", "delivered")
    notification("email", "failed", error_code="smtp_550")
    notification("push", "queued")
    db.session.commit()
    result = analytics.summary(7)
    assert result["total"] == 6
    assert (result["sent"], result["delivered"], result["failed"], result["pending"]) == (4, 1, 1, 1)
    assert result["delivery_rate"] == 80.0
    assert result["by_channel"]["email"]["total"] == 4
    assert result["by_event_type"] == {"appointment_scheduled": 6}


def test_summary_leaves_out_rows_older_than_the_period(app):
    notification("email", "sent", created_at=utcnow() - timedelta(days=40))
    notification("email", "sent")
    db.session.commit()
    assert analytics.summary(30)["total"] == 1


def test_summary_averages_time_from_queued_to_sent(app):
    notification("email", "sent", sent_after=2.0)
    notification("email", "sent", sent_after=4.0)
    db.session.commit()
    assert analytics.summary(1)["average_delivery_seconds"] == 3.0


def test_delivery_rate_is_none_when_nothing_finished(app):
    notification("email", "queued")
    db.session.commit()
    assert analytics.summary(1)["delivery_rate"] is None


def test_daily_totals_include_empty_days(app):
    notification("email", "sent")
    db.session.commit()
    last = analytics.today()
    series = analytics.daily_totals(last - timedelta(days=2), last)
    assert [row["total"] for row in series] == [0, 0, 1]
    assert series[-1]["date"] == last.isoformat()


def test_daily_volume_groups_by_day_and_channel(app):
    notification("email", "sent")
    notification("email", "failed")
    notification("push", "sent")
    db.session.commit()
    last = analytics.today()
    cells = {(row["channel"], row["count"]) for row in analytics.daily_volume(last, last)}
    assert cells == {("email", 2), ("push", 1)}


def test_failures_by_error_code_most_frequent_first(app):
    notification("email", "failed", error_code="smtp_550")
    notification("email", "failed", error_code="smtp_550")
    notification("whatsapp", "failed", error_code="number_not_on_whatsapp")
    notification("push", "failed", error_code="")
    db.session.commit()
    last = analytics.today()
    rows = analytics.failures_by_error_code(last, last)
    assert rows[0] == {"error_code": "smtp_550", "count": 2}
    assert {"error_code": "unknown", "count": 1} in rows


def test_queued_to_sent_distribution_fills_buckets(app):
    notification("email", "sent", sent_after=1)
    notification("email", "sent", sent_after=45)
    notification("email", "sent", sent_after=7200)
    db.session.commit()
    last = analytics.today()
    counts = [row["count"] for row in analytics.queued_to_sent_distribution(last, last)]
    assert counts == [1, 0, 1, 0, 0, 1]


def test_channel_health_reports_every_channel(app):
    notification("email", "sent")
    notification("whatsapp", "failed")
    db.session.commit()
    health = {row["channel"]: row for row in analytics.channel_health(24)}
    assert health["email"]["status"] == "healthy"
    assert health["whatsapp"]["status"] == "failing"
    assert health["push"]["status"] == "idle"


def test_recent_filters_by_channel_and_status_newest_first(app):
    old = notification("email", "failed", created_at=utcnow() - timedelta(hours=2))
    new = notification("email", "failed", created_at=utcnow() - timedelta(hours=1))
    notification("push", "failed")
    notification("email", "sent")
    db.session.commit()
    rows = analytics.recent(limit=10, channel="email", status="failed")
    assert [row["id"] for row in rows] == [str(new.id), str(old.id)]
