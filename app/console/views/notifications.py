"""Console page: Notificaciones, the log. Filters, detail with attempts and fallback chain,
resend/cancel, CSV export. Built for a log of millions of rows: no exact COUNT(*) per page,
sorting only on the indexed creation time, filters that match the indexes."""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, g, redirect, request, stream_with_context, url_for
from flask_admin import Admin, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select, text
from werkzeug.utils import secure_filename

from app import analytics, catalog, data_io, delivery, records
from app.channels import CHANNELS
from app.console import csv_files, explanations, formatting, labels
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleModelView, require_role
from app.console.views.lookups import NormalisedSearchMixin
from app.extensions import db
from app.models import Customer, DeliveryAttempt, Notification
from app.models.base import parse_uuid
from app.models.enums import NotificationStatus as S


class DateRangeFilter(DateBetweenFilter):
    """Calendar days in the configured time zone, inclusive (an index range on created_at)."""

    def apply(self, query, value, alias=None):
        start, end = value
        lower, upper = analytics.day_range(start, end)
        column = self.get_column(alias)
        return query.filter(column >= lower, column < upper)


def _options(mapping: dict) -> list[tuple[str, Any]]:
    return [(key, label) for key, label in mapping.items()]


def _status_formatter(view, context, model, name):
    status = model.status
    colour = labels.STATUS_BADGES.get(status, "secondary")
    badge = Markup('<span class="badge badge-{}" data-status="{}">{}</span>').format(
        colour, status, labels.status_label(status))
    if status == S.SCHEDULED and model.scheduled_at:
        local = model.scheduled_at.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
        badge += Markup(' <small class="text-muted" data-scheduled="{}">{}</small>').format(
            model.scheduled_at.isoformat(), _("para el %(when)s", when=local.strftime("%d/%m/%Y %H:%M")))
    return badge


def _created_formatter(view, context, model, name):
    return formatting.local_time(model.created_at)


def _channel_formatter(view, context, model, name):
    return labels.channel_label(model.channel)


def _event_formatter(view, context, model, name):
    return explanations.event_label(model.event_type)


def _error_formatter(view, context, model, name):
    if not model.error_code:
        return ""
    return Markup('<span title="{}" data-error-code="{}">{}</span>').format(
        model.error_code, model.error_code, explanations.error_title(model.error_code))


def _customer_formatter(view, context, model, name):
    """The customer's name (the page's names are read in one query, `NotificationView.get_list`)."""
    ref = model.customer_ref
    if not ref:
        return ""
    found = getattr(g, "console_customer_names", {}).get(ref)
    if found is None:
        return ref
    return Markup('<a href="{}">{}</a>').format(url_for("customer.details_view", id=found[0]), found[1])


def _customer_names(refs: set[str]) -> dict[str, tuple]:
    if not refs:
        return {}
    rows = db.session.scalars(select(Customer).where(Customer.customer_id.in_(refs))).all()
    return {c.customer_id: (c.id, str(c)) for c in rows}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class NotificationView(NormalisedSearchMixin, RoleModelView):
    """The notification log (read for every role; resend/cancel for operators and admins)."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    can_export = True
    export_types = ("csv",)
    export_max_rows = 100_000
    # No COUNT(*) over millions of rows per page: prev/next pager, an estimated total shown instead.
    simple_list_pager = True
    page_size = 50
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    list_template = "console/notification_list.html"
    details_template = "console/notification_details.html"

    column_list = ("created_at", "channel", "status", "event_type", "recipient", "customer_ref",
                   "correlation_id", "attempts", "error_code")
    column_labels: ClassVar[dict] = {
        "created_at": _l("Creada"), "channel": _l("Canal"), "status": _l("Estado"), "event_type": _l("Evento"),
        "recipient": _l("Destinatario"), "customer_ref": _l("Cliente"), "correlation_id": _l("Correlación"),
        "attempts": _l("Intentos"), "error_code": _l("Error"), "sent_at": _l("Enviada"),
        "subject": _l("Asunto"), "error_reason": _l("Detalle del error"), "failed_at": _l("Fallida"),
    }
    column_sortable_list = ("created_at",)
    column_default_sort = ("created_at", True)
    # The search box finds a customer's notifications by name, plate, phone, email or customer id
    # (app/records/search.py: through the customers' and vehicles' trigram indexes, never a log scan).
    column_searchable_list = ("customer_ref",)
    search_hint = _l("Cliente, placa o teléfono")
    column_formatters: ClassVar[dict] = {"status": _status_formatter, "channel": _channel_formatter,
                                         "created_at": _created_formatter, "event_type": _event_formatter,
                                         "error_code": _error_formatter, "customer_ref": _customer_formatter}
    column_export_list = ("created_at", "channel", "status", "event_type", "recipient", "customer_ref",
                          "correlation_id", "subject", "attempts", "error_code", "error_reason", "sent_at",
                          "failed_at", "id")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            FilterEqual(Notification.channel, _l("Canal"), options=[(c, labels.CHANNEL_LABELS[c]) for c in CHANNELS]),
            FilterEqual(Notification.status, _l("Estado"), options=_options(labels.STATUS_LABELS)),
            FilterEqual(Notification.event_type, _l("Tipo de evento")),
            DateRangeFilter(Notification.created_at, _l("Fecha")),
            FilterEqual(Notification.customer_ref, _l("Cliente (id)")),
            FilterEqual(Notification.correlation_id, _l("Id de correlación")),
        ]
        super().__init__(*args, **kwargs)

    def _export_csv(self, return_url: Any) -> Response:
        """Flask-Admin's export, written by the one CSV writer of every export (app/data_io/cells.py)."""
        _, data = self._export_data()
        columns = self._export_columns

        cells = csv_files.Cells()

        def generate():
            lines = data_io.CsvLines(csv_files.DELIMITER)
            yield csv_files.BOM + lines.row(str(label) for _, label in columns)
            batch = []
            for row in data:
                batch.append([_text(cells(name, getattr(row, name, None))) for name, _ in columns])
                if len(batch) == 500:
                    yield lines.rows(batch)
                    batch = []
            if batch:
                yield lines.rows(batch)

        return csv_files.response(generate(), secure_filename(self.get_export_name(export_type="csv")))

    def get_list(self, *args: Any, **kwargs: Any):
        """The page's rows, with the names of their customers read in one query for the list."""
        count, rows = super().get_list(*args, **kwargs)
        rows = list(rows)
        if len(rows) <= max(self.page_size_options):  # a page, not the CSV export (which writes the refs)
            g.console_customer_names = _customer_names({r.customer_ref for r in rows if r.customer_ref})
        return count, rows

    def search_condition(self, typed: str) -> Any:
        return records.notification_search(typed)

    def get_empty_list_message(self) -> str:
        return _("No hay notificaciones con estos filtros.")

    def estimated_total(self) -> int:
        """Rows in the log: the planner's estimate on PostgreSQL (no scan), an exact count elsewhere."""
        if db.engine.dialect.name == "postgresql":
            value = db.session.execute(
                text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'notifications'::regclass")).scalar()
            if value is not None and value >= 0:
                return int(value)
        return int(db.session.execute(select(db.func.count()).select_from(Notification)).scalar() or 0)

    # Details ---------------------------------------------------------------------------------
    @expose("/details/")
    def details_view(self):
        row_id = parse_uuid(request.args.get("id", ""))
        row = db.session.get(Notification, row_id) if row_id else None
        if row is None:
            flash(_("La notificación no existe."), "error")
            return redirect(url_for(".index_view"))
        attempts = db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == row.id)
                                      .order_by(DeliveryAttempt.number, DeliveryAttempt.started_at)).all()
        customer = (db.session.scalars(select(Customer).where(Customer.customer_id == row.customer_ref)).first()
                    if row.customer_ref else None)
        version = catalog.get_version(row.template_version_id) if row.template_version_id else None
        return self.render(self.details_template, model=row, attempts=attempts, customer=customer,
                           template_version=version,
                           chain=delivery.fallback_chain(row),
                           can_resend=self.can_write() and row.status in delivery.RESENDABLE,
                           can_cancel=self.can_write() and row.status in delivery.CANCELLABLE,
                           can_cancel_event=self.can_write() and row.status == S.SCHEDULED,
                           hold_label=labels.HOLD_LABELS.get(row.hold_reason or "", ""),
                           return_url=url_for(".index_view"))

    @expose("/resend/", methods=["POST"])
    @require_role("operator")
    def resend_view(self):
        return self._single(delivery.resend, _("Notificación reenviada."),
                            _("Solo se pueden reenviar notificaciones fallidas."))

    @expose("/cancel-event/", methods=["POST"])
    @require_role("operator")
    def cancel_event_view(self):
        """Cancel every notification of the row's event not sent yet (a scheduled event, its reminder)."""
        correlation_id = (request.form.get("correlation_id") or "").strip()
        result = delivery.cancel_event(correlation_id, actor=current_user.email) if correlation_id else None
        if result is None or not result.found:
            flash(_("El evento no existe."), "error")
        elif result.cancelled:
            flash(_("Evento cancelado: %(n)s notificaciones no se enviarán.", n=len(result.cancelled)), "success")
        else:
            flash(_("No quedaba nada por cancelar en este evento."), "error")
        if result is not None and result.already_sent:
            flash(_("%(n)s notificaciones del evento ya se habían enviado.", n=len(result.already_sent)), "error")
        row_id = parse_uuid(request.form.get("id", ""))
        return redirect(url_for(".details_view", id=str(row_id)) if row_id else url_for(".index_view"))

    @expose("/cancel/", methods=["POST"])
    @require_role("operator")
    def cancel_view(self):
        return self._single(delivery.cancel, _("Notificación cancelada."),
                            _("Solo se pueden cancelar notificaciones que aún no se han enviado."))

    def _single(self, operation, done_message: str, refused_message: str):
        row_id = parse_uuid(request.form.get("id", ""))
        if row_id is None:
            flash(_("Falta el identificador de la notificación."), "error")
            return redirect(url_for(".index_view"))
        result = operation([row_id], actor=current_user.email)
        flash(done_message if result.done else refused_message, "success" if result.done else "error")
        return redirect(url_for(".details_view", id=str(row_id)))

    # Bulk actions (list view) ----------------------------------------------------------------
    @action("resend", _l("Reenviar"), _l("¿Reenviar las notificaciones fallidas seleccionadas?"))
    def action_resend(self, ids: list[str]) -> None:
        if not self.can_write():
            abort(403)
        result = delivery.resend([i for i in map(parse_uuid, ids) if i], actor=current_user.email)
        self._report(result, _("%(n)s notificaciones reenviadas.", n=len(result.done)))

    @action("cancel", _l("Cancelar"), _l("¿Cancelar las notificaciones en cola seleccionadas?"))
    def action_cancel(self, ids: list[str]) -> None:
        if not self.can_write():
            abort(403)
        result = delivery.cancel([i for i in map(parse_uuid, ids) if i], actor=current_user.email)
        self._report(result, _("%(n)s notificaciones canceladas.", n=len(result.done)))

    def _report(self, result, message: str) -> None:
        flash(message, "success" if result.done else "info")
        if result.skipped:
            flash(_("%(n)s omitidas: su estado no lo permite.", n=len(result.skipped)), "warning")



def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(NotificationView(Notification, db, name=_l("Notificaciones"), endpoint="notifications",
                                    url="/admin/notifications"))
