"""Console page: Inicio, the dashboard (the console's index view)."""

from __future__ import annotations

from flask_admin import AdminIndexView, expose

from app import analytics
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.queue import queue_status


class DashboardView(RoleAccessMixin, AdminIndexView):
    """Today and the last 7 days at a glance, channel health, queues and the latest failures."""

    has_changes = False

    @expose("/")
    def index(self):
        return self.render(
            "admin/index.html",
            today=analytics.period_headline(1),
            week=analytics.period_headline(7),
            health=analytics.channel_health(24),
            queues=queue_status(),
            failures=analytics.latest_failures(8),
        )


def make_index_view() -> DashboardView:
    """The index view at /admin/, behind the same login as every page."""
    return DashboardView(name=_l("Inicio"), url="/admin")
