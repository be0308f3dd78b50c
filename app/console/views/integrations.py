"""Console page: Integraciones. The integration dashboard, outbound webhook endpoints (admin:
create with the secret shown once, rotate, enable/disable, delete), each endpoint's delivery log,
"reenviar" of one message and "reintentar fallidos desde…"."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_admin import Admin, BaseView, expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import integrations
from app.console.formatting import local_zone
from app.console.i18n import _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin, has_role, require_role
from app.extensions import db
from app.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

LOG_LIMIT = 100


class IntegrationsView(RoleAccessMixin, BaseView):
    """Everyone signed in sees the dashboard and logs; only admins change endpoints."""

    write_role = "admin"

    @expose("/")
    def index(self):
        rows = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)).all()
        return self.render("console/integrations.html", summary=integrations.integration_summary(),
                           endpoints=rows, event_types=integrations.EVENT_TYPES, can_write=self.can_write())

    @expose("/webhooks/new", methods=("POST",))
    @require_role("admin")
    def create(self):
        form = request.form
        try:
            endpoint, secret = integrations.create_endpoint(form.get("url", ""), form.getlist("event_types"),
                                                         form.get("description", ""))
        except integrations.EndpointInputError as err:
            for field, problems in err.fields.items():
                flash(f"{field}: {' '.join(problems)}", "error")
            return redirect(url_for(".index"))
        return self.render("console/webhook_secret.html", endpoint=endpoint, secret=secret, rotated=False)

    @expose("/webhooks/<endpoint_id>/rotate", methods=("POST",))
    @require_role("admin")
    def rotate(self, endpoint_id: str):
        endpoint = _endpoint(endpoint_id)
        secret = integrations.rotate_secret(endpoint)
        return self.render("console/webhook_secret.html", endpoint=endpoint, secret=secret, rotated=True)

    @expose("/webhooks/<endpoint_id>/active", methods=("POST",))
    @require_role("admin")
    def set_active(self, endpoint_id: str):
        endpoint = _endpoint(endpoint_id)
        integrations.set_active(endpoint, request.form.get("active") == "1")
        flash(_("Endpoint activado.") if endpoint.active else _("Endpoint desactivado."), "success")
        return redirect(url_for(".index"))

    @expose("/webhooks/<endpoint_id>/delete", methods=("POST",))
    @require_role("admin")
    def delete(self, endpoint_id: str):
        integrations.delete_endpoint(_endpoint(endpoint_id))
        flash(_("Endpoint eliminado."), "success")
        return redirect(url_for(".index"))

    @expose("/webhooks/<endpoint_id>/")
    def log(self, endpoint_id: str):
        endpoint = _endpoint(endpoint_id)
        status = request.args.get("status") or None
        query = (select(WebhookMessage).options(selectinload(WebhookMessage.endpoint))
                 .where(WebhookMessage.endpoint_id == endpoint.id))
        if status:
            query = query.where(WebhookMessage.status == status)
        messages = db.session.scalars(query.order_by(WebhookMessage.created_at.desc()).limit(LOG_LIMIT)).all()
        attempts = _attempts_by_message([m.id for m in messages])
        default_since = (datetime.now(local_zone()) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        return self.render("console/webhook_log.html", endpoint=endpoint, messages=messages, attempts=attempts,
                           status=status, default_since=default_since, can_write=self.can_write())

    @expose("/webhooks/<endpoint_id>/messages/<message_id>/resend", methods=("POST",))
    @require_role("admin")
    def resend(self, endpoint_id: str, message_id: str):
        endpoint = _endpoint(endpoint_id)
        message = db.session.get(WebhookMessage, _uuid(message_id))
        if message is None or message.endpoint_id != endpoint.id:
            abort(404)
        integrations.resend_webhook(message)
        flash(_("Mensaje reenviado."), "success")
        return redirect(url_for(".log", endpoint_id=endpoint_id))

    @expose("/webhooks/<endpoint_id>/retry-failed", methods=("POST",))
    @require_role("admin")
    def retry_failed(self, endpoint_id: str):
        endpoint = _endpoint(endpoint_id)
        try:
            since = datetime.fromisoformat(request.form.get("since", "")).replace(tzinfo=local_zone())
        except ValueError:
            flash(_("Indique una fecha y hora válidas."), "error")
            return redirect(url_for(".log", endpoint_id=endpoint_id))
        count = integrations.retry_failed_webhooks(endpoint, since)
        flash(_("%(n)s mensajes fallidos puestos en cola de nuevo.", n=count), "success")
        return redirect(url_for(".log", endpoint_id=endpoint_id))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


def _endpoint(endpoint_id: str) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, _uuid(endpoint_id))
    if endpoint is None:
        abort(404)
    return endpoint


def _attempts_by_message(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WebhookAttempt]]:
    found: dict[uuid.UUID, list[WebhookAttempt]] = {}
    if ids:
        rows = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.message_id.in_(ids))
                                  .order_by(WebhookAttempt.number)).all()
        for row in rows:
            found.setdefault(row.message_id, []).append(row)
    return found


def _tell_admins_about_disabled_endpoints() -> None:
    """Once per session, flash each endpoint the system disabled to admins on any console page."""
    if not request.path.startswith("/admin") or request.path.startswith(("/admin/stream", "/admin/static")):
        return
    if request.method != "GET" or not has_role(current_user, "admin"):
        return
    seen = set(session.get("webhooks_disabled_seen", []))
    rows = db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.url)
                              .where(WebhookEndpoint.disabled_at.is_not(None))).all()
    fresh = [(str(i), url) for i, url in rows if str(i) not in seen]
    for _id, url in fresh:
        flash(_("El webhook %(url)s se desactivó tras fallar 5 días seguidos. Revíselo en Integraciones.", url=url),
              "error")
    if fresh:
        session["webhooks_disabled_seen"] = sorted(seen | {i for i, _u in fresh})


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(IntegrationsView(name=_l("Integraciones"), endpoint="integrations", url="/admin/integrations"))
    app: Flask | None = admin.app
    if app is not None:
        app.before_request(_tell_admins_about_disabled_endpoints)
