"""Console page: Importar / exportar. CSV import (upload, preview, error report, confirm) and
CSV exports of customers, vehicles, reminders and notifications (operators and admins)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, session, url_for
from flask_admin import Admin, BaseView, expose

from app import data_io
from app.channels import CHANNELS
from app.console import csv_files, import_messages
from app.console.i18n import _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.models.enums import NotificationStatus

PREVIEW_ROWS = 10
ERRORS_SHOWN = 200
SESSION_KEY = "csv_import_tokens"
ENTITY_LABELS = {"customers": _l("Clientes"), "vehicles": _l("Vehículos"), "reminders": _l("Recordatorios"),
                 "notifications": _l("Notificaciones")}


class DataImportView(RoleAccessMixin, BaseView):
    read_role = "operator"
    write_role = "operator"

    @expose("/")
    def index(self):
        return self.render("console/import.html", **_page_context())

    @expose("/preview", methods=["POST"])
    def preview(self):
        entity = request.form.get("entity", "")
        upload = request.files.get("file")
        if entity not in data_io.ENTITIES or upload is None or not upload.filename:
            flash(_("Elija qué importar y un archivo CSV."), "error")
            return redirect(url_for(".index"))
        data = upload.read()
        try:
            table = data_io.read_csv(data)
        except data_io.CsvFormatError as err:
            flash(_("No se pudo leer el archivo: %(error)s", error=import_messages.message(str(err))), "error")
            return redirect(url_for(".index"))
        skip_invalid = bool(request.form.get("skip_invalid"))
        report = data_io.import_table(entity, table, dry_run=True, skip_invalid=skip_invalid)
        token = data_io.save_upload(data)
        session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-4:], token]
        return self.render("console/import_preview.html", entity=entity, table=table, report=report,
                           rows=table.rows[:PREVIEW_ROWS], errors=report.errors[:ERRORS_SHOWN], token=token,
                           skip_invalid=skip_invalid, filename=upload.filename, labels_entity=ENTITY_LABELS,
                           import_header=_header_label)

    @expose("/confirm", methods=["POST"])
    def confirm(self):
        token, entity = request.form.get("token", ""), request.form.get("entity", "")
        data = data_io.load_upload(token) if token in session.get(SESSION_KEY, []) else None
        if data is None or entity not in data_io.ENTITIES:
            flash(_("La vista previa caducó; suba el archivo otra vez."), "error")
            return redirect(url_for(".index"))
        report = data_io.import_table(entity, data_io.read_csv(data), skip_invalid=bool(request.form.get("skip_invalid")))
        data_io.discard_upload(token)
        session[SESSION_KEY] = [t for t in session.get(SESSION_KEY, []) if t != token]
        return self.render("console/import_result.html", entity=entity, report=report,
                           errors=report.errors[:ERRORS_SHOWN], labels_entity=ENTITY_LABELS)

    @expose("/export/<entity>")
    def export(self, entity: str):
        if entity not in data_io.EXPORTS:
            abort(404)
        # One format for every console export (app/console/csv_files.py).
        chunks = data_io.export_rows(entity, delimiter=csv_files.DELIMITER, bom=True, filters=_filters(),
                                     headers=data_io.SPANISH_HEADERS,
                                     cell=csv_files.Cells() if entity == "notifications" else csv_files.ImportCells())
        return csv_files.response(chunks, f"{entity}-{date.today().isoformat()}.csv")


def _header_label(name: str) -> str:
    return import_messages.column(data_io.column_for_header(name))


def _filters() -> data_io.NotificationFilter:
    """The notification export's filters; anything unreadable is ignored rather than refused."""
    status = request.args.get("status") or None
    channel = request.args.get("channel") or None
    return data_io.NotificationFilter(since=_date(request.args.get("since")), until=_date(request.args.get("until")),
                              status=status if status in NotificationStatus.ALL else None,
                              channel=channel if channel in CHANNELS else None)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _page_context() -> dict:
    return {"entities": data_io.ENTITIES, "exports": tuple(data_io.EXPORTS), "labels_entity": ENTITY_LABELS,
            "statuses": NotificationStatus.ALL, "channels": CHANNELS,
            "columns": {name: schema.columns for name, schema in data_io.SCHEMAS.items()},
            "spanish_headers": data_io.SPANISH_HEADERS,
            "required": {name: schema.required for name, schema in data_io.SCHEMAS.items()}}


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(DataImportView(name=_l("Importar / exportar"), endpoint="data_import", url="/admin/data"))
