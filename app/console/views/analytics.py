"""Console page: Analítica. Plotly charts over a date range; aggregates run in SQL."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_login import current_user

from app import analytics, queue
from app.console import charts
from app.console.forms import DateRangeForm
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin, has_role, require_role
from app.console.vendor import plotly_js_url

DEFAULT_DAYS = 30
MAX_RECOMPUTE_DAYS = 366


class AnalyticsView(RoleAccessMixin, BaseView):
    """Daily volume, delivery rate, failures by error code, latency and channel health."""

    has_changes = False

    @expose("/")
    def index(self):
        form = DateRangeForm(request.args)
        last = analytics.today()
        first = last - timedelta(days=DEFAULT_DAYS - 1)
        valid = form.validate() if request.args else True
        if valid:
            last = form.end.data or last
            first = form.start.data or min(first, last - timedelta(days=DEFAULT_DAYS - 1))
            first = min(first, last)
        form.start.data, form.end.data = (form.start.data or first), (form.end.data or last)
        figures = charts.all_charts(first, last) if valid else {}
        summary = _summary(first, last) if valid else None
        return self.render("console/analytics.html", form=form, figures=figures, summary=summary, first=first,
                           last=last, plotly_js=plotly_js_url(), can_recompute=has_role(current_user, "admin"),
                           status=200 if valid else 400)

    @expose("/recompute", methods=["POST"])
    @require_role("admin")
    def recompute(self):
        """Recompute the daily rollup from the range's first day to yesterday (after an import of
        history, say): the hourly job's work over more days, handed to the `maintenance` queue (in
        the embedded mode it runs in the process)."""
        first = _date(request.form.get("start")) or analytics.today() - timedelta(days=DEFAULT_DAYS - 1)
        yesterday = analytics.today() - timedelta(days=1)
        days = min(MAX_RECOMPUTE_DAYS, max(1, (yesterday - first).days + 1))
        if queue.enqueue("maintenance", queue.REFRESH_ANALYTICS_ROLLUP, days):
            charts.clear_cache()
            flash(_("Recálculo de los últimos %(n)s días en marcha; los gráficos lo reflejarán en unos minutos.",
                    n=days), "success")
        else:
            flash(_("No se pudo poner en cola el recálculo; inténtelo otra vez."), "error")
        return redirect(url_for(".index", start=request.form.get("start") or None,
                                end=request.form.get("end") or None))

    def render(self, template, **kwargs):
        status = kwargs.pop("status", 200)
        return super().render(template, **kwargs), status


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _summary(first, last) -> dict:
    """Totals of the range, from the per-channel figures (rows without a channel are not counted)."""
    rows = analytics.channel_outcomes(first, last)
    sent, failed = sum(r["successful"] for r in rows), sum(r["failed"] for r in rows)
    finished = sent + failed
    return {"total": sum(r["successful"] + r["failed"] + r["pending"] + r["cancelled"] for r in rows),
            "sent": sent, "failed": failed, "delivery_rate": round(100.0 * sent / finished, 1) if finished else None}


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(AnalyticsView(name=_l("Analítica"), endpoint="analytics", url="/admin/analytics"))
