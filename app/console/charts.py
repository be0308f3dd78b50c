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
from app.console import explanations, labels
from app.console.i18n import gettext as _

COLOURS = {"email": "#007bff", "whatsapp": "#28a745", "push": "#6f42c1", "none": "#adb5bd"}
_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 30, "b": 50}, "height": 340, "legend": {"orientation": "h", "y": -0.2},
           "plot_bgcolor": "#fff", "paper_bgcolor": "#fff", "font": {"family": "system-ui, sans-serif"}}


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(**_LAYOUT)
    # Decimal and thousands separators of the console's language ("89,1" and "9.505" in Spanish).
    fig.update_layout(separators=",." if str(get_locale() or "es") == "es" else ".,")
    return str(Markup('<div id="{}" class="plotly-graph-div" data-plotly-figure="{}"></div>')
               .format(div_id, fig.to_json()))


def _day(value: Any) -> str:
    """A local calendar day as staff read it on an axis: 06/12 (the year is in the page's range)."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m")


def _day_axis(title: str) -> dict:
    # Categories, not a date axis: plotly would name the months in English.
    return {"type": "category", "title": title}


def daily_volume(first: date, last: date) -> str:
    cells = analytics.daily_volume(first, last)
    iso_days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    days = [_day(d) for d in iso_days]
    fig = go.Figure()
    for channel in (*CHANNELS, "none"):
        counts = {row["date"]: row["count"] for row in cells if row["channel"] == channel}
        if counts or channel != "none":
            fig.add_bar(name=labels.channel_label(channel) if channel != "none" else _("Sin canal"), x=days,
                        y=[counts.get(d, 0) for d in iso_days], marker_color=COLOURS[channel])
    fig.update_layout(barmode="stack", yaxis_title=_("Notificaciones"), xaxis=_day_axis(_("Día (hora local)")))
    return _html(fig, "chart-volume")


def delivery_rate(first: date, last: date) -> str:
    series = analytics.delivery_rate_series(first, last)
    fig = go.Figure(go.Scatter(x=[_day(r["date"]) for r in series], y=[r["delivery_rate"] for r in series],
                               mode="lines+markers", connectgaps=False, name=_("Tasa de entrega"),
                               line={"color": "#17a2b8"}))
    fig.update_layout(yaxis={"title": _("Tasa de entrega (%)"), "range": [0, 105]}, xaxis=_day_axis(_("Día (hora local)")))
    return _html(fig, "chart-rate")


def failures_by_error_code(first: date, last: date) -> str:
    rows = list(reversed(analytics.failures_by_error_code(first, last)))
    # Staff read what happened; the raw code is in the hover and in the list under the chart.
    names = [_short(explanations.error_title(r["error_code"])) for r in rows]
    fig = go.Figure(go.Bar(x=[r["count"] for r in rows], y=names, orientation="h", marker_color="#dc3545",
                           name=_("Fallos"), customdata=[r["error_code"] for r in rows],
                           hovertemplate="%{y}<br>%{x} · %{customdata}<extra></extra>"))
    fig.update_layout(xaxis_title=_("Fallos"), yaxis={"automargin": True})
    return _html(fig, "chart-errors")


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def failure_rows(first: date, last: date) -> list[dict]:
    """The failures chart's rows as a list under it: explanation, next step, count, raw code."""
    rows = []
    for r in analytics.failures_by_error_code(first, last):
        found = explanations.error_help(r["error_code"])
        rows.append({"code": r["error_code"], "count": r["count"], "help": found})
    return rows


def queued_to_sent(first: date, last: date) -> str:
    rows = analytics.queued_to_sent_distribution(first, last)
    fig = go.Figure(go.Bar(x=[r["bucket"] for r in rows], y=[r["count"] for r in rows], marker_color="#20c997",
                           name=_("Enviadas")))
    fig.update_layout(xaxis={"type": "category", "title": _("Tiempo desde la cola hasta el envío")},
                      yaxis_title=_("Notificaciones"))
    return _html(fig, "chart-latency")


def channel_health(first: date, last: date) -> str:
    rows = analytics.channel_outcomes(first, last)
    names = [labels.channel_label(r["channel"]) for r in rows]
    fig = go.Figure()
    fig.add_bar(name=_("Enviadas"), x=names, y=[r["successful"] for r in rows], marker_color="#28a745")
    fig.add_bar(name=_("Fallidas"), x=names, y=[r["failed"] for r in rows], marker_color="#dc3545")
    fig.add_bar(name=_("Pendientes"), x=names, y=[r["pending"] for r in rows], marker_color="#ffc107")
    fig.update_layout(barmode="group", xaxis_title=_("Canal"), yaxis_title=_("Notificaciones"))
    return _html(fig, "chart-health")


_cache: dict[tuple, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()
CACHE_SECONDS = 60.0


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


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
        "failure_rows": failure_rows(first, last),
    }
