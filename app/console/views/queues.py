"""Console page: Colas (admin only). Queue depths and workers, with rq-dashboard (/admin/rq/) inside."""

from __future__ import annotations

from flask import current_app
from flask_admin import Admin, BaseView, expose

from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.queue import queue_status


class QueuesView(RoleAccessMixin, BaseView):
    read_role = "admin"
    write_role = "admin"

    @expose("/")
    def index(self):
        mounted = bool(current_app.extensions.get("avisos_rq_dashboard"))
        return self.render("console/queues.html", queues=queue_status(), rq_dashboard=mounted)


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(QueuesView(name=_l("Colas"), endpoint="queues", url="/admin/queues"))
