"""Console page: Auditoría (admin only). Who changed what and when: filters by who, what (entity
type, id or name), action and date range in local time; CSV export of everything the filters
match. Read-only: the log has no edit or delete here (and none in the database on PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, request, stream_with_context, url_for
from flask_admin import Admin, BaseView, expose

from app import analytics, audit, data_io
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleAccessMixin

PAGE_SIZE = 50

ENTITY_LABELS = {
    "template": _l("Plantilla"), "matrix_cell": _l("Celda de la matriz"),
    "orchestration_config": _l("Configuración de orquestación"), "workshop": _l("Taller y canales"),
    "service_phase": _l("Fase de servicio"), "service_type": _l("Tipo de servicio"), "user": _l("Usuario"),
    "api_key": _l("Clave de API"), "webhook": _l("Webhook"), "sync_source": _l("Fuente de datos"),
}
ACTION_LABELS = {
    "create": _l("Creación"), "update": _l("Modificación"), "delete": _l("Eliminación"), "revoke": _l("Revocación"),
    "restore": _l("Restauración"), "rotate_secret": _l("Cambio de secreto"), "disable": _l("Desactivación"),
    "sign_in": _l("Inicio de sesión"), "sign_out": _l("Cierre de sesión"),
    "sign_in_failed": _l("Inicio de sesión fallido"), "lockout": _l("Bloqueo temporal"),
}
ACTOR_LABELS = {
    "user": _l("Usuario"), "api_key": _l("Clave de API"), "token": _l("Token del sistema central"),
    "cli": _l("Línea de comandos"), "system": _l("Sistema"), "internal": _l("API interna"),
    "anonymous": _l("Anónimo"),
}


def entity_label(name: str) -> str:
    return str(ENTITY_LABELS.get(name, name))


def action_label(name: str) -> str:
    return str(ACTION_LABELS.get(name, name))


def actor_kind_label(name: str) -> str:
    return str(ACTOR_LABELS.get(name, name))


def local_time(value: datetime | None) -> str:
    return value.astimezone(analytics.local_zone()).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filters() -> tuple[audit.AuditFilter, dict[str, Any], list[str]]:
    """The filters of the query string, the values to show back in the form, and the problems."""
    args = request.args
    start, end = _day(args.get("desde")), _day(args.get("hasta"))
    errors = [_("La fecha «%(value)s» no es válida (AAAA-MM-DD).", value=args[name])
              for name, parsed in (("desde", start), ("hasta", end)) if args.get(name) and parsed is None]
    lower = analytics.day_range(start, start)[0] if start else None
    upper = analytics.day_range(end, end)[1] if end else None
    entity_type = args.get("tipo", "")
    chosen = audit.AuditFilter(
        who=args.get("quien", "")[:254], entity_type=entity_type if entity_type in audit.entity_types() else "",
        entity=args.get("que", "")[:255], action=args.get("accion", "")[:32], start=lower, end=upper,
    )
    shown = {"quien": chosen.who, "tipo": chosen.entity_type, "que": chosen.entity, "accion": chosen.action,
             "desde": args.get("desde", ""), "hasta": args.get("hasta", "")}
    return chosen, shown, errors


def _change_text(entry) -> str:
    """The entry's changes as one line: field: before → after."""
    parts = []
    for name, value in (entry.changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name}: {_show(value[0])} → {_show(value[1])}")
        else:
            parts.append(f"{name}: {_show(value)}")
    return "; ".join(parts)


def _show(value: Any) -> str:
    return "—" if value is None else str(value)


class AuditView(RoleAccessMixin, BaseView):
    read_role = "admin"
    write_role = "admin"

    @expose("/")
    def index(self):
        chosen, shown, errors = _filters()
        page = request.args.get("pagina", "1")
        page = int(page) if page.isdigit() and int(page) > 0 else 1
        entries, more = audit.list_entries(chosen, page, PAGE_SIZE)
        query = {k: v for k, v in shown.items() if v}
        return self.render(
            "console/audit.html", entries=entries, more=more, page=page, shown=shown, errors=errors,
            entity_types=audit.entity_types(), actions=sorted(set(audit.actions()) | set(ACTION_LABELS)),
            entity_label=entity_label, action_label=action_label, actor_kind_label=actor_kind_label,
            local_time=local_time, export_url=url_for(".export", **query),
            page_url=lambda n: url_for(".index", pagina=n, **query),
        ), (400 if errors else 200)

    @expose("/export.csv")
    def export(self):
        """Every entry the filters match: ';'-separated with a BOM (spreadsheets in Spanish locales
        open it as columns), Spanish headers, local times; cells made safe by the one CSV writer."""
        chosen, _shown, errors = _filters()
        if errors:
            return Response("; ".join(errors), status=400, mimetype="text/plain")
        headers = [_("Fecha y hora"), _("Tipo de actor"), _("Quién"), _("Acción"), _("Tipo de entidad"),
                   _("Id de la entidad"), _("Entidad"), _("Cambios"), _("Dirección IP")]

        def generate():
            lines = data_io.CsvLines(";")
            yield "\ufeff" + lines.row(headers)
            for entry in audit.iter_entries(chosen):
                yield lines.row([local_time(entry.at), actor_kind_label(entry.actor_type), entry.actor_label,
                                 action_label(entry.action), entity_label(entry.entity_type), entry.entity_id,
                                 entry.entity_label, _change_text(entry), entry.ip_address])

        filename = f"auditoria-{analytics.today().isoformat()}.csv"
        return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={filename}"})


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(AuditView(name=_l("Auditoría"), endpoint="audit", url="/admin/audit"))
