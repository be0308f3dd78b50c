"""Analytics: summary (?days=), recent log rows (?limit=&channel=&status=), channel health (24 h).
The figures are computed in SQL by app/services/analytics.py (shared with the console)."""

from __future__ import annotations

from flask import jsonify

from app.api import api_v1
from app.api.auth import require_api_key
from app.api.common import parse_query
from app.api.openapi import doc
from app.api.schemas.analytics import HealthOut, RecentList, RecentQuery, SummaryOut, SummaryQuery
from app.services import analytics

TAGS = ("Analytics",)
_SEVERITY = ("idle", "healthy", "degraded", "failing")


@api_v1.get("/analytics/summary/")
@require_api_key("read", compat=True)
@doc(TAGS, model=SummaryOut, query=SummaryQuery, errors=(400,))
def summary():
    """Aggregated notification statistics for the last `days` days."""
    return jsonify(analytics.summary(parse_query(SummaryQuery).days))


@api_v1.get("/analytics/recent/")
@require_api_key("read", compat=True)
@doc(TAGS, model=RecentList, query=RecentQuery, errors=(400,))
def recent():
    """The newest notification log rows."""
    q = parse_query(RecentQuery)
    return jsonify(analytics.recent(q.limit, q.channel, q.status))


@api_v1.get("/analytics/health/")
@require_api_key("read", compat=True)
@doc(TAGS, model=HealthOut)
def health():
    """Health of each channel over the last 24 hours."""
    channels = analytics.channel_health(24)
    worst = max((c["status"] for c in channels), key=_SEVERITY.index, default="idle")
    return jsonify({"status": worst, "hours": 24, "channels": channels})
