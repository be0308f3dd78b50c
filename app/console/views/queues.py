"""Console page: Colas (admin only). Queue depths and workers, with rq-dashboard (/admin/rq/) inside."""

from __future__ import annotations

import logging

from flask import current_app
from flask_admin import Admin, BaseView, expose

from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.queue import QUEUES, queue_status, runner

log = logging.getLogger(__name__)


class QueuesView(RoleAccessMixin, BaseView):
    read_role = "admin"
    write_role = "admin"

    @expose("/")
    def index(self):
        mounted = bool(current_app.extensions.get("avisos_rq_dashboard"))
        if mounted:
            _announce_queues()
        return self.render("console/queues.html", queues=queue_status(), rq_dashboard=mounted)


def _announce_queues() -> None:
    """List every queue in RQ's registry of queues. RQ adds a queue there on its first job, so a
    quiet install showed four queue cards above rq-dashboard's "No queues."."""
    jobs = runner()
    if jobs.mode != "rq":
        return
    try:
        for name in QUEUES:
            queue = jobs.queue(name)
            queue.connection.sadd(queue.redis_queues_keys, queue.key)
    except Exception as err:  # noqa: BLE001 - the page shows Redis's state on its own
        log.warning("could not register the queues for rq-dashboard: %s", err)


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(QueuesView(name=_l("Colas"), endpoint="queues", url="/admin/queues"))
