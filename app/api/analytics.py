"""Analytics. The reference's paths keep the reference's shapes (summary, recent, health: what the
Ambacar PWA reads); Avisos' richer shapes live on their own paths (report, log, channels), which the
console's figures and our docs use. Both are computed in SQL (app/analytics/)."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify

from app import analytics
from app.api.auth import require_api_key
from app.api.blueprints import api_v1
from app.api.common import parse_query
from app.api.openapi import doc
from app.models.base import utcnow
from app.api.schemas.analytics import (
    HealthOut,
    RecentList,
    RecentQuery,
    ReferenceHealthOut,
    ReferenceRecentList,
    ReferenceRecentQuery,
    ReferenceSummaryOut,
    StrategyReachOut,
    SummaryOut,
    SummaryQuery,
)

TAGS = ("Analytics",)
_SEVERITY = ("idle", "healthy", "degraded", "failing")


@api_v1.get("/analytics/summary/")
@require_api_key("read", compat=True)
@doc(TAGS, model=ReferenceSummaryOut, query=SummaryQuery, errors=(400,))
def summary():
    """The reference's summary of the last `days` days (delivery_rate never null)."""
    return jsonify(analytics.reference_summary(parse_query(SummaryQuery).days))


@api_v1.get("/analytics/recent/")
@require_api_key("read", compat=True)
@doc(TAGS, model=ReferenceRecentList, query=ReferenceRecentQuery, errors=(400,))
def recent():
    """The newest log rows in the reference's shape (statuses mapped to its seven; limit at most 100)."""
    q = parse_query(ReferenceRecentQuery)
    return jsonify(analytics.reference_recent(q.limit, q.channel, q.status))


@api_v1.get("/analytics/health/")
@require_api_key("read", compat=True)
@doc(TAGS, model=ReferenceHealthOut)
def health():
    """Each channel's last 24 hours, keyed by channel (email, whatsapp and push always present)."""
    return jsonify(analytics.reference_health(24))


@api_v1.get("/analytics/report/")
@require_api_key("read")
@doc(TAGS, model=SummaryOut, query=SummaryQuery, errors=(400,))
def report():
    """Avisos' summary: every status, per-channel headlines, the daily trend with rates."""
    return jsonify(analytics.summary(parse_query(SummaryQuery).days))


@api_v1.get("/analytics/log/")
@require_api_key("read")
@doc(TAGS, model=RecentList, query=RecentQuery, errors=(400,))
def log_rows():
    """The newest log rows with Avisos' exact statuses, error codes and attempts."""
    q = parse_query(RecentQuery)
    return jsonify(analytics.recent(q.limit, q.channel, q.status))


@api_v1.get("/analytics/channels/")
@require_api_key("read")
@doc(TAGS, model=HealthOut)
def channels():
    """Health of each channel over the last 24 hours, with a verdict and the last success and failure."""
    rows = analytics.channel_health(24)
    worst = max((c["status"] for c in rows), key=_SEVERITY.index, default="idle")
    return jsonify({"status": worst, "hours": 24, "channels": rows})


@api_v1.get("/analytics/strategies/")
@require_api_key("read")
@doc(TAGS, model=list[StrategyReachOut], query=SummaryQuery, errors=(400,))
def strategies():
    """Per delivery strategy (all | first_available) over the last `days` days: client events, customers
    reached, messages sent and the channel each customer was reached on."""
    days = parse_query(SummaryQuery).days
    end = utcnow()
    return jsonify(analytics.strategy_reach(end - timedelta(days=days), end))
