"""How notifications fare, aggregated in SQL: counts, delivery rates, latency, channel health and the
recent log, for the dashboard, the analytics page and the JSON API. Closed days come from a daily
rollup (rollup.py, refreshed hourly), today from the log.

- queries.py:   Avisos' figures (summary, channel_health, recent, the chart series)
- reference.py: the reference service's shapes on its paths (the Ambacar PWA reads them)
- rollup.py:    the daily rollup; sql.py: days in TIMEZONE and the shared SQL expressions
"""

from app.analytics.queries import (
    DELIVERED,
    PENDING,
    SUCCESSFUL,
    average_delivery_seconds,
    by_event_type,
    channel_health,
    channel_outcomes,
    daily_totals,
    daily_volume,
    delivery_rate_series,
    failures_by_error_code,
    headline,
    latest_failures,
    period_headline,
    queued_to_sent_distribution,
    recent,
    status_counts,
    status_counts_days,
    strategy_reach,
    summary,
)
from app.analytics.reference import REFERENCE_STATUSES
from app.analytics.reference import health as reference_health
from app.analytics.reference import recent as reference_recent
from app.analytics.reference import summary as reference_summary
from app.analytics.rollup import BACKFILL_DAYS, cells, ensure_rollup, refresh_days, refresh_recent
from app.analytics.sql import LATENCY_BUCKETS, day_range, day_start, local_zone, today

__all__ = [
    "BACKFILL_DAYS", "DELIVERED", "LATENCY_BUCKETS", "PENDING", "REFERENCE_STATUSES", "SUCCESSFUL",
    "average_delivery_seconds", "by_event_type", "cells", "channel_health", "channel_outcomes", "daily_totals",
    "daily_volume", "day_range", "day_start", "delivery_rate_series", "ensure_rollup", "failures_by_error_code",
    "headline", "latest_failures", "local_zone", "period_headline", "queued_to_sent_distribution", "recent",
    "reference_health", "reference_recent", "reference_summary", "refresh_days", "refresh_recent", "status_counts",
    "status_counts_days", "strategy_reach", "summary", "today",
]
