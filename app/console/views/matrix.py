"""Console page: Matriz de orquestación. Pick service type x target x workshop (or global); edit
the phases x channels grid (switch + template per cell) and save it in one atomic POST."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import Admin, BaseView, expose
from sqlalchemy import select

from app import catalog
from app.channels import CHANNEL_LABELS, CHANNELS
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin, require_role
from app.console.views.lookups import parse_uuid
from app.extensions import db
from app.models import NotificationTemplate, OrchestrationConfig, ServicePhase, ServiceType, Workshop
from app.models.enums import TARGET_LABELS, TARGETS
from app.orchestration.policy import STRATEGIES

ERROR_TEXT = {
    "unknown phase": _l("Fase desconocida."),
    "template is for another phase": _l("La plantilla es de otra fase."),
    "unknown template": _l("La plantilla no existe."),
    "not a template id": _l("La plantilla no existe."),
}


@dataclass(frozen=True)
class Selection:
    """Which config the page edits: service type x target x workshop (None = global)."""

    service_type_id: uuid.UUID | None
    target: str
    workshop_id: uuid.UUID | None

    def args(self) -> dict[str, str]:
        return {
            "service_type": str(self.service_type_id or ""),
            "target": self.target,
            "workshop": str(self.workshop_id or ""),
        }


@dataclass
class Cell:
    phase: ServicePhase
    channel: str
    enabled: bool = False
    template_id: str = ""
    exists: bool = False
    options: list[NotificationTemplate] = field(default_factory=list)
    error: str = ""

    @property
    def key(self) -> str:
        return f"{self.phase.id}:{self.channel}"


def read_selection(source: Any) -> Selection:
    """The selection from query args or form data; defaults to the first service type, clients, global."""
    type_id = parse_uuid(source.get("service_type"))
    if type_id is None:
        type_id = db.session.scalar(
            select(ServiceType.id)
            .where(ServiceType.parent_id.is_(None))
            .order_by(ServiceType.order, ServiceType.name)
        )
    target = source.get("target") if source.get("target") in TARGETS else "clients"
    return Selection(type_id, target, parse_uuid(source.get("workshop")))


def build_grid(config: OrchestrationConfig) -> list[list[Cell]]:
    """Rows of cells (active phases in order x channels), with each cell's matching templates."""
    phases = db.session.scalars(
        select(ServicePhase).where(ServicePhase.is_active).order_by(ServicePhase.order)
    ).all()
    stored = {(c.phase_id, c.channel): c for c in config.cells}
    options: dict[tuple, list[NotificationTemplate]] = {}
    for template in db.session.scalars(catalog.matching_templates_query(config)):
        options.setdefault((template.phase_id, template.channel), []).append(template)
    rows = []
    for phase in phases:
        row = []
        for channel in CHANNELS:
            cell = stored.get((phase.id, channel))
            row.append(Cell(
                phase, channel, enabled=bool(cell and cell.enabled),
                template_id=str(cell.template_id) if cell and cell.template_id else "", exists=cell is not None,
                options=options.get((phase.id, channel), []),
            ))  # fmt: skip
        rows.append(row)
    return rows


def cells_from_form(grid: list[list[Cell]], form: Any) -> list[dict]:
    """The POSTed grid as update_matrix cells; also writes the submitted values into `grid`."""
    cells = []
    for row in grid:
        for cell in row:
            cell.enabled = form.get(f"enabled-{cell.key}") == "on"
            cell.template_id = form.get(f"template-{cell.key}", "")
            cells.append({"phase_id": str(cell.phase.id), "channel": cell.channel, "enabled": cell.enabled,
                          "template_id": cell.template_id or None})  # fmt: skip
    return cells


def attach_errors(grid: list[list[Cell]], errors: dict[str, str]) -> None:
    """Map 'cells[i].field' errors back onto the grid's cells (same order as cells_from_form)."""
    flat = [cell for row in grid for cell in row]
    for key, message in errors.items():
        index = key.split("]")[0].removeprefix("cells[")
        if index.isdigit() and int(index) < len(flat):
            text = ERROR_TEXT.get(message)
            if text is None and message.startswith("template"):
                text = _l("La plantilla no corresponde a este tipo de servicio, destinatario, fase o canal.")
            flat[int(index)].error = str(text or message)


class MatrixView(RoleAccessMixin, BaseView):
    """Viewers and operators read the matrix; admins change it (admin owns channel settings)."""

    write_role = "admin"

    @expose("/")
    def index(self):
        selection = read_selection(request.args)
        return self._page(selection)

    def _page(self, selection: Selection, grid: list | None = None, status: int = 200, config=None):
        if config is None and selection.service_type_id:
            config = catalog.find_config(selection.service_type_id, selection.target, selection.workshop_id)
        global_exists = bool(
            selection.workshop_id
            and selection.service_type_id
            and catalog.find_config(selection.service_type_id, selection.target, None)
        )
        html = self.render(
            "console/matrix.html",
            selection=selection,
            matrix_config=config,
            grid=grid if grid is not None else (build_grid(config) if config else []),
            service_types=db.session.scalars(
                select(ServiceType).order_by(
                    ServiceType.parent_id.is_not(None), ServiceType.order, ServiceType.name
                )
            ).all(),
            workshops=db.session.scalars(select(Workshop).order_by(Workshop.name)).all(),
            targets=TARGET_LABELS,
            channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
            can_write=self.can_write(),
            global_exists=global_exists,
        )
        return html, status

    @expose("/save/", methods=("POST",))
    @require_role("admin")
    def save(self):
        selection = read_selection(request.form)
        try:
            config = catalog.get_config(request.form.get("config_id"))
        except catalog.ConfigNotFound:
            flash(_("La configuración ya no existe."), "error")
            return redirect(url_for(".index", **selection.args()))
        grid = build_grid(config)
        strategy = request.form.get("strategy", config.strategy or "all")
        hours_text = (request.form.get("reminder_hours_before") or "").strip()
        hours = int(hours_text) if hours_text.isdigit() and 1 <= int(hours_text) <= 720 else None
        if strategy not in STRATEGIES or (hours_text and hours is None):
            flash(_("No se guardó ningún cambio: la estrategia o las horas del recordatorio no son válidas "
                    "(de 1 a 720 horas)."), "error")
            return self._page(selection, grid=grid, status=400, config=config)
        config.strategy, config.reminder_hours_before = strategy, hours
        try:
            catalog.update_matrix(config.id, cells_from_form(grid, request.form))
        except catalog.MatrixError as err:
            db.session.rollback()
            attach_errors(grid, err.errors)
            flash(_("No se guardó ningún cambio: revise las celdas marcadas."), "error")
            return self._page(selection, grid=grid, status=400, config=config)
        flash(_("Matriz guardada."), "success")
        return redirect(url_for(".index", **selection.args()))

    @expose("/initialize/", methods=("POST",))
    @require_role("admin")
    def initialize(self):
        selection = read_selection(request.form)
        try:
            created = catalog.initialize_phases(request.form.get("config_id"))
        except catalog.ConfigNotFound:
            flash(_("La configuración ya no existe."), "error")
        else:
            flash(_("Fases inicializadas: %(count)s celdas nuevas (apagadas).", count=created), "success")
        return redirect(url_for(".index", **selection.args()))

    @expose("/copy/", methods=("POST",))
    @require_role("admin")
    def copy(self):
        selection = read_selection(request.form)
        try:
            catalog.copy_from_global(selection.service_type_id, selection.target, selection.workshop_id)
        except catalog.MatrixError:
            db.session.rollback()
            flash(
                _("No se pudo copiar: falta la configuración global o el taller ya tiene la suya."), "error"
            )
        else:
            flash(_("Configuración global copiada para este taller."), "success")
        return redirect(url_for(".index", **selection.args()))

    @expose("/create/", methods=("POST",))
    @require_role("admin")
    def create(self):
        selection = read_selection(request.form)
        try:
            catalog.create_config(selection.service_type_id, selection.target, selection.workshop_id)
        except catalog.MatrixError:
            db.session.rollback()
            flash(_("No se pudo crear la configuración."), "error")
        else:
            flash(_("Configuración creada con todas las fases apagadas."), "success")
        return redirect(url_for(".index", **selection.args()))


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(MatrixView(name=_l("Matriz de orquestación"), endpoint="matrix", url="matrix"))
