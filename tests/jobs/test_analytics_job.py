"""jobs.analytics: the hourly refresh of the last closed days of the analytics rollup."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app import analytics
from app.extensions import db
from app.models import Notification, NotificationRollupDay
from jobs import analytics as jobs
from tests.console.builders import notification


def days_ago(n: int):
    return analytics.today() - timedelta(days=n)


def sent_on(day) -> Notification:
    row = notification("email", "sent", created_at=analytics.day_start(day) + timedelta(hours=12))
    db.session.commit()
    return row


def mark_delivered(row: Notification) -> None:
    db.session.execute(update(Notification).where(Notification.id == row.id).values(status="delivered"))
    db.session.commit()


def test_job_refreshes_the_configured_number_of_closed_days(app):
    app.config["ANALYTICS_ROLLUP_REFRESH_DAYS"] = 3
    result = jobs.refresh_analytics_rollup()
    assert (result["first"], result["last"]) == (days_ago(3).isoformat(), days_ago(1).isoformat())
    assert result["rows"] == 0 and result["backfilled_days"] == analytics.BACKFILL_DAYS - 3


def test_job_computes_missing_days_of_the_backfill_window_once(app):
    jobs.refresh_analytics_rollup()
    assert jobs.refresh_analytics_rollup()["backfilled_days"] == 0
    oldest = db.session.scalar(select(func.min(NotificationRollupDay.day)))
    assert oldest == days_ago(analytics.BACKFILL_DAYS)


def test_job_picks_up_a_late_receipt_on_a_recent_day(app):
    row = sent_on(days_ago(2))
    assert analytics.summary(7)["delivered"] == 0
    mark_delivered(row)
    jobs.refresh_analytics_rollup()
    assert analytics.summary(7)["delivered"] == 1


def test_days_older_than_the_refresh_window_keep_their_figures(app):
    app.config["ANALYTICS_ROLLUP_REFRESH_DAYS"] = 3
    row = sent_on(days_ago(5))
    assert analytics.summary(7)["delivered"] == 0
    mark_delivered(row)
    jobs.refresh_analytics_rollup()
    assert analytics.summary(7)["delivered"] == 0


def test_job_takes_an_explicit_number_of_days(app):
    assert jobs.refresh_analytics_rollup(10)["first"] == days_ago(10).isoformat()
