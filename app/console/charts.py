"""Plotly figures for the analytics page, built from app.analytics results.

Each returns an HTML fragment: a div carrying the figure as JSON in `data-plotly-figure`, which
static/console/charts.js draws (no inline script, so the console's Content-Security-Policy holds).
plotly.js itself is loaded once from our static route (app/console/vendor.py): the page works offline.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
from flask_babel import get_locale
from markupsafe import Markup

from app import analytics
from app.channels import CHANNELS
from app.console import labels
from app.console.i18n import gettext as _

COLOURS = {"email": "#007bff", "whatsapp": "#28a745", "push": "#6f42c1", "none": "#adb5bd"}
_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 30, "b": 50}, "height": 340, "legend": {"orientation": "h", "y": -0.2},
           "plot_bgcolor": "#fff", "paper_bgcolor": "#fff", "font": {"family": "system-ui, sans-serif"}}


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(**_LAYOUT)
    return str(Markup('<div id="{}" class="plotly-graph-div" data-plotly-figure="{}"></div>')
               .format(div_id, fig.to_json()))


def daily_volume(first: date, last: date) -> str:
    cells = analytics.daily_volume(first, last)
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    fig = go.Figure()
    for channel in (*CHANNELS, "none"):
        counts = {row["date"]: row["count"] for row in cells if row["channel"] == channel}
        if counts or channel != "none":
            fig.add_bar(name=labels.channel_label(channel) if channel != "none" else _("Sin canal"), x=days,
                        y=[counts.get(d, 0) for d in days], marker_color=COLOURS[channel])
    fig.update_layout(barmode="stack", yaxis_title=_("Notificaciones"))
    return _html(fig, "chart-volume")


def delivery_rate(first: date, last: date) -> str:
    series = analytics.delivery_rate_series(first, last)
    fig = go.Figure(go.Scatter(x=[r["date"] for r in series], y=[r["delivery_rate"] for r in series],
                               mode="lines+markers", connectgaps=False, name=_("Tasa de entrega"),
                               line={"color": "#17a2b8"}))
    fig.update_layout(yaxis={"title": "%", "range": [0, 105]})
    return _html(fig, "chart-rate")


def failures_by_error_code(first: date, last: date) -> str:
    rows = list(reversed(analytics.failures_by_error_code(first, last)))
    fig = go.Figure(go.Bar(x=[r["count"] for r in rows], y=[r["error_code"] for r in rows], orientation="h",
                           marker_color="#dc3545", name=_("Fallos")))
    fig.update_layout(xaxis_title=_("Fallos"))
    return _html(fig, "chart-errors")


def queued_to_sent(first: date, last: date) -> str:
    rows = analytics.queued_to_sent_distribution(first, last)
    fig = go.Figure(go.Bar(x=[r["bucket"] for r in rows], y=[r["count"] for r in rows], marker_color="#20c997",
                           name=_("Enviadas")))
    fig.update_layout(xaxis_title=_("Tiempo desde la cola hasta el envío"), yaxis_title=_("Notificaciones"))
    return _html(fig, "chart-latency")


def channel_health(first: date, last: date) -> str:
    rows = analytics.channel_outcomes(first, last)
    names = [labels.channel_label(r["channel"]) for r in rows]
    fig = go.Figure()
    fig.add_bar(name=_("Enviadas"), x=names, y=[r["successful"] for r in rows], marker_color="#28a745")
    fig.add_bar(name=_("Fallidas"), x=names, y=[r["failed"] for r in rows], marker_color="#dc3545")
    fig.add_bar(name=_("Pendientes"), x=names, y=[r["pending"] for r in rows], marker_color="#ffc107")
    fig.update_layout(barmode="group")
    return _html(fig, "chart-health")


_cache: dict[tuple, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()
CACHE_SECONDS = 60.0


def all_charts(first: date, last: date) -> dict[str, Any]:
    """Every chart of the page, keyed by section; kept CACHE_SECONDS per range and language. Closed
    days come from the daily rollup; the cache spares the repeated live read of today's rows."""
    key = (first, last, str(get_locale()))
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
    charts = _build(first, last)
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = (now + CACHE_SECONDS, charts)
    return charts


def _build(first: date, last: date) -> dict[str, Any]:
    return {
        "volume": daily_volume(first, last),
        "rate": delivery_rate(first, last),
        "errors": failures_by_error_code(first, last),
        "latency": queued_to_sent(first, last),
        "health": channel_health(first, last),
    }
