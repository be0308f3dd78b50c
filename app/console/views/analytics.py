"""Console page: Analítica. Plotly charts over a date range; aggregates run in SQL."""

from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_admin import Admin, BaseView, expose

from app import analytics
from app.console import charts
from app.console.forms import DateRangeForm
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.console.vendor import plotly_js_url

DEFAULT_DAYS = 30


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
                           last=last, plotly_js=plotly_js_url(), status=200 if valid else 400)

    def render(self, template, **kwargs):
        status = kwargs.pop("status", 200)
        return super().render(template, **kwargs), status


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
