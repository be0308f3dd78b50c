"""Console page: Respuestas. What customers wrote back by WhatsApp, unanswered first and newest
first, live over /admin/stream (message.* events); staff answer through WhatsApp or mark a message
handled. The menu entry carries the count of unanswered messages (live too: static/console/live.js)."""

from __future__ import annotations

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_login import current_user
from markupsafe import Markup

from app import inbox
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin, has_role, require_role
from app.console.views.lookups import parse_uuid

REFUSED = {
    "empty": _l("Escriba la respuesta."),
    "too_long": _l("La respuesta es demasiado larga."),
    "opted_out": _l("El cliente se dio de baja de WhatsApp: no se le puede escribir por ese canal."),
    "not_configured": _l("WhatsApp (Evolution API) no está configurado."),
}
KIND_LABELS = {"text": _l("Mensaje"), "opt_out": _l("Baja de WhatsApp"), "opt_in": _l("Alta de WhatsApp")}
STATUS_LABELS = {"open": _l("Sin responder"), "answered": _l("Respondida"), "handled": _l("Atendida")}
LINK_LABELS = {"quoted": _l("responde a"), "last": _l("después de")}


class MenuLabel:
    """The menu entry: "Respuestas" and, for signed-in staff, a badge with the unanswered count
    (rendered by Jinja through __html__; plain text wherever the name is used as text)."""

    def __str__(self) -> str:
        return str(_l("Respuestas"))

    def __html__(self) -> str:
        count = inbox.open_count() if has_role(current_user, "viewer") else 0
        hidden = "" if count else " d-none"
        return Markup('{} <span class="badge badge-pill badge-warning{}" id="inbox-menu-count" '
                      'data-testid="inbox-count" data-count="{}">{}</span>').format(str(self), hidden, count, count)


class InboxView(RoleAccessMixin, BaseView):
    read_role = "viewer"
    write_role = "operator"

    @expose("/")
    def index(self):
        status = request.args.get("status", "open")
        status = status if status in ("open", "all") else "open"
        page = request.args.get("page", "1")
        page = int(page) if page.isdigit() and int(page) > 0 else 1
        rows, has_next = inbox.inbox_page(status, page)
        return self.render("console/inbox.html", rows=rows, status=status, page=page, has_next=has_next,
                           can_write=self.can_write(), kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                           link_labels=LINK_LABELS, open_count=inbox.open_count())

    @expose("/count/")
    def count_view(self):
        return jsonify({"open": inbox.open_count()})

    @expose("/answer/", methods=("POST",))
    @require_role("operator")
    def answer_view(self):
        message_id = parse_uuid(request.form.get("id"))
        message = inbox.get_message(message_id) if message_id else None
        if message is None:
            flash(_("El mensaje no existe."), "error")
            return redirect(url_for(".index"))
        try:
            inbox.answer(message, request.form.get("text", ""), current_user.email)
        except inbox.ReplyRefused as refused:
            flash(str(REFUSED.get(refused.code, refused.code)), "error")
            return redirect(url_for(".index"))
        flash(_("Respuesta enviada por WhatsApp."), "success")
        return redirect(url_for(".index"))

    @expose("/handled/", methods=("POST",))
    @require_role("operator")
    def handled_view(self):
        ids = [i for i in (parse_uuid(v) for v in request.form.getlist("id")) if i is not None]
        changed = inbox.mark_handled(ids, current_user.email)
        flash(_("%(count)s mensaje(s) marcados como atendidos.", count=changed), "success")
        return redirect(url_for(".index"))


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(InboxView(name=MenuLabel(), endpoint="inbox", url="/admin/inbox"))
