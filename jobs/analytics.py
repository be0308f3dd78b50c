"""Analytics jobs (queue `maintenance`): keep the daily rollup of recent closed days current.

Registered hourly in jobs/cron.py (and run by the embedded scheduler): statuses of rows from the
last days still change (late receipts, retries), so those days are recomputed; older days keep
their figures (docs/CONSOLE.md, "Analítica").
"""

from __future__ import annotations

from app import analytics
from jobs.entry import job_entry


@job_entry
def refresh_analytics_rollup(days: int | None = None) -> dict:
    """Hourly: recompute the last ANALYTICS_ROLLUP_REFRESH_DAYS closed days of the rollup."""
    return analytics.refresh_recent(days)
