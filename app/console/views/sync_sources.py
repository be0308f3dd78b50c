"""Console page: Fuentes de sincronización (admin only). Pull-sync sources: create and edit (the
connection URL is write-only), probar conexión, sincronizar ahora, run history."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app import sync
from app.console.i18n import _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin
from app.extensions import db
from app.models import SyncSource
from app.models.sync_sources import UnreadableSecret
from app.sync import PULL_DEFAULT_COLUMNS as DEFAULTS
from app.sync import SourceInput, mapping_text, save_source

RUNS_SHOWN = 50


class SourceForm(FlaskForm):
    name = StringField(_l("Nombre"), validators=[DataRequired(), Length(max=120)])
    url = PasswordField(_l("URL de conexión (SQLAlchemy)"), validators=[Optional(), Length(max=2000)])
    customer_table = StringField(_l("Tabla de clientes"), validators=[Optional(), Length(max=255)])
    customer_columns = TextAreaField(_l("Columnas de clientes (campo = columna)"))
    vehicle_table = StringField(_l("Tabla de vehículos"), validators=[Optional(), Length(max=255)])
    vehicle_columns = TextAreaField(_l("Columnas de vehículos (campo = columna)"))
    interval_minutes = IntegerField(_l("Intervalo (minutos)"), default=15,
                                    validators=[DataRequired(), NumberRange(min=1, max=10080)])
    batch_size = IntegerField(_l("Filas por lote"), default=500, validators=[DataRequired(), NumberRange(min=1, max=10000)])
    active = BooleanField(_l("Activa"), default=True)

    def to_input(self) -> SourceInput:
        return SourceInput(**{name: getattr(self, name).data or ("" if name != "active" else False)
                              for name in SourceInput.__dataclass_fields__})


class SyncSourcesView(RoleAccessMixin, BaseView):
    read_role = "admin"
    write_role = "admin"

    @expose("/")
    def index(self):
        sources = db.session.scalars(select(SyncSource).order_by(SyncSource.name)).all()
        last_runs = {s.id: s.runs.first() for s in sources}
        return self.render("console/sync_sources.html", sources=sources, last_runs=last_runs)

    @expose("/new", methods=["GET", "POST"])
    def create(self):
        form = SourceForm()
        if request.method == "GET":
            form.customer_columns.data = mapping_text(DEFAULTS["customers"])
            form.vehicle_columns.data = mapping_text(DEFAULTS["vehicles"])
        return self._save(form, None)

    @expose("/<uuid:source_id>/edit", methods=["GET", "POST"])
    def edit(self, source_id: uuid.UUID):
        source = _source(source_id)
        form = SourceForm(obj=source)
        if request.method == "GET":
            form.customer_columns.data = mapping_text(source.customer_columns or {})
            form.vehicle_columns.data = mapping_text(source.vehicle_columns or {})
        return self._save(form, source)

    def _save(self, form: SourceForm, source: SyncSource | None):
        if form.validate_on_submit():
            saved, errors = save_source(source, form.to_input())
            if saved is not None:
                flash(_("Fuente guardada."), "success")
                return redirect(url_for(".detail", source_id=saved.id))
            for name, messages in errors.items():
                getattr(form, name).errors = list(getattr(form, name).errors) + messages
        form.url.data = ""  # never sent back to the browser
        return self.render("console/sync_source_form.html", form=form, source=source)

    @expose("/<uuid:source_id>/")
    def detail(self, source_id: uuid.UUID):
        source = _source(source_id)
        runs = source.runs.limit(RUNS_SHOWN).all()
        return self.render("console/sync_source_detail.html", source=source, runs=runs,
                           mappings=sync.mappings(source))

    @expose("/<uuid:source_id>/test", methods=["POST"])
    def test_connection(self, source_id: uuid.UUID):
        source = _source(source_id)
        try:
            check = sync.check_connection(source.get_url(), sync.mappings(source))
        except UnreadableSecret:
            check = sync.ConnectionCheck(False, [_("No se puede descifrar la URL guardada; vuelva a escribirla.")])
        if check.ok:
            flash(_("Conexión correcta: las tablas y columnas existen."), "success")
        for message in check.messages:
            flash(message, "error")
        return redirect(url_for(".detail", source_id=source.id))

    @expose("/<uuid:source_id>/run", methods=["POST"])
    def run_now(self, source_id: uuid.UUID):
        source = _source(source_id)
        if sync.request_run(str(source.id), "manual"):
            db.session.expire_all()  # in-process runners run it in another session: reload on the next read
            flash(_("Sincronización solicitada; el resultado aparecerá en el historial."), "success")
        else:
            flash(_("No se pudo encolar la sincronización; inténtelo de nuevo."), "error")
        return redirect(url_for(".detail", source_id=source.id))

    @expose("/<uuid:source_id>/reset", methods=["POST"])
    def reset(self, source_id: uuid.UUID):
        source = _source(source_id)
        source.watermarks = {}
        source.next_run_at = None
        db.session.commit()
        flash(_("Marcas reiniciadas: la próxima sincronización leerá todas las filas."), "success")
        return redirect(url_for(".detail", source_id=source.id))

    @expose("/<uuid:source_id>/delete", methods=["POST"])
    def delete(self, source_id: uuid.UUID):
        db.session.delete(_source(source_id))
        db.session.commit()
        flash(_("Fuente eliminada."), "success")
        return redirect(url_for(".index"))


def _source(source_id: uuid.UUID) -> SyncSource:
    source = db.session.get(SyncSource, source_id)
    if source is None:
        abort(404)
    return source


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(SyncSourcesView(name=_l("Fuentes de datos"), endpoint="sync_sources", url="/admin/sync-sources"))
