"""Console page: Plantillas. List with filters and search, an editor with a live preview, a
variables reference, "enviar prueba" and duplicate. Editing is for admins; everyone reads."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import Admin, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEmpty, FilterEqual
from flask_login import current_user
from markupsafe import Markup, escape

from app import catalog, delivery
from app.channels import CHANNEL_LABELS
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleModelView, has_role, require_role
from app.console.views.lookups import (
    PlainErrorsMixin,
    UUIDEqualFilter,
    UUIDKeyMixin,
    channel_choices,
    parse_uuid,
    phase_options,
    service_type_options,
    target_choices,
    workshop_options,
)
from app.extensions import db
from app.models import NotificationTemplate, ServicePhase, ServiceType
from app.models.enums import TARGET_LABELS
from app.orchestration.variables import VARIABLES

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

WARNING_TEXT = {
    "unknown_variables": _l("Variables desconocidas"),
    "subject_too_long": _l("El asunto es demasiado largo"),
    "whatsapp_too_long": _l("El texto supera el máximo de WhatsApp"),
    "push_payload_too_large": _l("La notificación push supera el tamaño máximo y se recortará"),
    "push_title_long": _l("El título push es largo: el navegador lo cortará"),
    "push_body_long": _l("El texto push es largo: el navegador lo cortará"),
}


def preview_json(channel: str, subject: str, body: str, html_body: str) -> dict:
    """The preview for the editor, with warnings in the console's language."""
    result = catalog.editor_preview(channel, subject, body, html_body).as_dict()
    for warning in result["warnings"]:
        warning["message"] = str(WARNING_TEXT.get(warning["code"], warning["code"]))
    return result


def _format_channel(view, context, model, name) -> Markup:
    label = CHANNEL_LABELS.get(model.channel, model.channel)
    return Markup('<span class="badge badge-channel badge-{}">{}</span>').format(model.channel, label)


def _format_active(view, context, model, name) -> Markup:
    if model.is_active:
        return Markup('<span class="badge badge-success">{}</span>').format(_("Activa"))
    return Markup('<span class="badge badge-secondary">{}</span>').format(_("Inactiva"))


def _format_default(view, context, model, name) -> Markup:
    if model.is_default:
        return Markup('<span class="badge badge-info">{}</span>').format(_("Por defecto"))
    return Markup("")


def _format_target(view, context, model, name) -> str:
    return _(TARGET_LABELS.get(model.target, model.target))


def _format_time(view, context, model, name) -> str:
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _format_scope(view, context, model, name) -> Markup:
    return escape(model.workshop.name) if model.workshop else Markup("<em>{}</em>").format(_("Global"))


class TemplateView(UUIDKeyMixin, PlainErrorsMixin, RoleModelView):
    """Templates: viewers and operators read; admins edit (admin owns channel settings)."""

    write_role = "admin"
    can_view_details = True
    can_set_page_size = True
    list_template = "console/model_list.html"
    page_size = 20
    create_template = "console/template_create.html"
    edit_template = "console/template_edit.html"
    details_template = "console/template_details.html"

    column_list = (
        "name",
        "channel",
        "target",
        "service_type",
        "phase",
        "workshop",
        "is_default",
        "is_active",
        "updated_at",
    )
    column_sortable_list = ("name", "channel", "target", "is_default", "is_active", "updated_at")
    column_default_sort = ("name", False)
    column_searchable_list = ("name", "subject", "body")
    column_labels: ClassVar[dict] = {
        "name": _l("Nombre"), "channel": _l("Canal"), "target": _l("Destinatario"),
        "service_type": _l("Tipo de servicio"), "subtype": _l("Subtipo"), "phase": _l("Fase"),
        "event_type": _l("Evento"), "workshop": _l("Taller"), "subject": _l("Asunto / título"),
        "body": _l("Texto"), "html_body": _l("HTML del email (opcional)"), "is_active": _l("Activa"),
        "is_default": _l("Por defecto"), "updated_at": _l("Modificada"), "created_at": _l("Creada"),
    }  # fmt: skip
    column_formatters: ClassVar[dict] = {
        "channel": _format_channel, "is_active": _format_active, "is_default": _format_default, "workshop": _format_scope,
        "target": _format_target, "updated_at": _format_time, "created_at": _format_time,
    }  # fmt: skip
    column_formatters_detail: ClassVar[dict] = column_formatters
    column_details_list = (
        "name", "channel", "target", "service_type", "subtype", "phase", "event_type", "workshop",
        "subject", "body", "html_body", "is_default", "is_active", "created_at", "updated_at",
    )  # fmt: skip

    form_columns = (
        "name", "channel", "target", "service_type", "subtype", "phase", "event_type", "workshop",
        "subject", "body", "html_body", "is_default", "is_active",
    )  # fmt: skip
    form_choices: ClassVar[dict] = {"channel": channel_choices(), "target": target_choices()}
    form_widget_args: ClassVar[dict] = {
        "body": {"rows": 8, "data-preview": "body"},
        "subject": {"data-preview": "subject"},
        "html_body": {"rows": 6, "data-preview": "html_body"},
        "channel": {"data-preview": "channel"},
    }
    form_args: ClassVar[dict] = {
        "service_type": {"query_factory": lambda: ServiceType.query.filter(ServiceType.parent_id.is_(None))},
        "subtype": {
            "query_factory": lambda: ServiceType.query.filter(ServiceType.parent_id.is_not(None)),
            "blank_text": "—",
        },
        "workshop": {"blank_text": "Global"},
        "phase": {"query_factory": lambda: ServicePhase.query.order_by(ServicePhase.order)},
        "event_type": {"description": _l("Solo para plantillas de evento, p. ej. maintenance_reminder.")},
        "html_body": {"description": _l("Déjelo vacío para construir el HTML a partir del texto.")},
        "is_default": {"description": _l("Se marca como «Por defecto» y aparece primero al elegir plantilla en la "
                                         "matriz y en la aplicación del cliente; no cambia cuál usa el envío.")},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            FilterEqual(NotificationTemplate.channel, _l("Canal"), options=channel_choices),
            FilterEqual(NotificationTemplate.target, _l("Destinatario"), options=target_choices),
            UUIDEqualFilter(NotificationTemplate.service_type_id, _l("Tipo de servicio"), service_type_options),
            UUIDEqualFilter(NotificationTemplate.phase_id, _l("Fase"), phase_options),
            UUIDEqualFilter(
                NotificationTemplate.subtype_id, _l("Subtipo"), lambda: service_type_options(subtypes=True)
            ),
            UUIDEqualFilter(NotificationTemplate.workshop_id, _l("Taller"), workshop_options),
            FilterEmpty(NotificationTemplate.workshop_id, _l("Global (sin taller)")),
            BooleanEqualFilter(NotificationTemplate.is_active, _l("Activa")),
            BooleanEqualFilter(NotificationTemplate.is_default, _l("Por defecto")),
        ]
        super().__init__(*args, **kwargs)

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("variables", VARIABLES)
        if template == self.edit_template and isinstance(kwargs.get("model"), NotificationTemplate):
            kwargs["versions"] = version_rows(kwargs["model"])
        kwargs.setdefault("can_send_test", has_role_admin())
        model = kwargs.get("model")
        if isinstance(model, NotificationTemplate):
            kwargs["preview"] = preview_json(
                model.channel, model.subject or "", model.body or "", model.html_body or ""
            )
            kwargs["preview"]["channel_label"] = CHANNEL_LABELS.get(model.channel, model.channel)
        return super().render(template, **kwargs)

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if not valid or not hasattr(form, "body"):
            return valid
        problems = template_form_problems(form)
        for field_name, message in problems.items():
            getattr(form, field_name).errors.append(message)
        return not problems

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        catalog.invalidate_snapshot()

    def after_model_delete(self, model: Any) -> None:
        catalog.invalidate_snapshot()

    @expose("/preview/", methods=("POST",))
    @require_role("viewer")
    def preview_view(self):
        """JSON for the editor's live preview; the rendered HTML is escaped on the server."""
        data = request.get_json(silent=True) or request.form
        channel = data.get("channel") if data.get("channel") in CHANNEL_LABELS else "email"
        texts = [str(data.get(k) or "") for k in ("subject", "body", "html_body")]
        return jsonify(preview_json(channel, *texts))

    @expose("/duplicate/", methods=("POST",))
    @require_role("admin")
    def duplicate_view(self):
        template_id = parse_uuid(request.form.get("id"))
        if template_id is None or db.session.get(NotificationTemplate, template_id) is None:
            flash(_("La plantilla no existe."), "error")
            return redirect(url_for(".index_view"))
        copy = catalog.duplicate_template(template_id, suffix=" " + _("(copia)"))
        flash(_("Plantilla duplicada. La copia está inactiva hasta que la revise."), "success")
        return redirect(url_for(".edit_view", id=copy.id))

    @expose("/send-test/", methods=("POST",))
    @require_role("admin")
    def send_test_view(self):
        template_id = parse_uuid(request.form.get("id"))
        template = db.session.get(NotificationTemplate, template_id) if template_id else None
        if template is None:
            flash(_("La plantilla no existe."), "error")
            return redirect(url_for(".index_view"))
        back = url_for(".edit_view", id=template.id)
        address = (request.form.get("address") or "").strip()
        problem = test_address_problem(template.channel, address)
        if problem:
            flash(problem, "error")
            return redirect(back)
        result = delivery.send_template_test(template, address)
        if result.ok:
            flash(_("Prueba enviada a %(address)s.", address=address), "success")
        else:
            flash(_("La prueba falló: %(code)s %(detail)s", code=result.error_code, detail=result.error_message),
                  "error")  # fmt: skip
        return redirect(back)

    @expose("/version/")
    @require_role("viewer")
    def version_view(self):
        """One saved version: its text, the diff to the current text, and restore (admins)."""
        version_id = parse_uuid(request.args.get("id"))
        version = catalog.get_version(version_id) if version_id else None
        if version is None:
            flash(_("La versión no existe."), "error")
            return redirect(url_for(".index_view"))
        template = db.session.get(NotificationTemplate, version.template_id) if version.template_id else None
        return self.render("console/template_version.html", version=version, owner=template,
                           diff=diff_rows(version, template), can_restore=has_role_admin() and template is not None
                           and version.id != template.current_version_id)

    @expose("/restore/", methods=("POST",))
    @require_role("admin")
    def restore_view(self):
        version_id = parse_uuid(request.form.get("id"))
        version = catalog.get_version(version_id) if version_id else None
        owner_id = version.template_id if version else None
        template = db.session.get(NotificationTemplate, owner_id) if owner_id else None
        if template is None:
            flash(_("La versión no existe."), "error")
            return redirect(url_for(".index_view"))
        restored = catalog.restore_version(template, version)
        flash(_("Versión %(old)s restaurada como versión %(new)s.", old=version.number, new=restored.number), "success")
        return redirect(url_for(".edit_view", id=template.id))

    @action("duplicate", _l("Duplicar"), _l("¿Duplicar las plantillas seleccionadas?"))
    def action_duplicate(self, ids: list[str]) -> None:
        count = 0
        for raw in ids:
            template_id = parse_uuid(raw)
            if template_id and db.session.get(NotificationTemplate, template_id):
                catalog.duplicate_template(template_id, suffix=" " + _("(copia)"))
                count += 1
        flash(_("%(count)s plantilla(s) duplicadas (inactivas).", count=count), "success")


def diff_rows(version: Any, template: NotificationTemplate | None) -> dict[str, list]:
    """Per versioned text field that differs from the current template: its line diff."""
    if template is None:
        return {}
    fields = {"subject": _("Asunto / título"), "body": _("Texto"), "html_body": _("HTML del email (opcional)")}
    out = {}
    for name, label in fields.items():
        old, new = getattr(version, name) or "", getattr(template, name) or ""
        if old != new:
            out[label] = catalog.version_diff(old, new)
    return out


def version_rows(template: NotificationTemplate) -> list[dict]:
    """The editor's history: every kept version, newest first, with its diff to the current text."""
    return [{"version": v, "current": v.id == template.current_version_id, "diff": diff_rows(v, template)}
            for v in catalog.template_history(template.id)]


def has_role_admin() -> bool:
    return has_role(current_user, "admin")


def template_form_problems(form: Any) -> dict[str, str]:
    """Rules a template must follow beyond field types; field name -> message."""
    problems: dict[str, str] = {}
    if not form.phase.data and not (form.event_type.data or "").strip():
        problems["phase"] = _("Indique una fase o un tipo de evento.")
    subtype, stype = form.subtype.data, form.service_type.data
    if subtype is not None and (stype is None or subtype.parent_id != stype.id):
        problems["subtype"] = _("El subtipo debe pertenecer al tipo de servicio elegido.")
    if form.channel.data == "email" and not (form.subject.data or "").strip():
        problems["subject"] = _("Los emails necesitan un asunto.")
    if form.channel.data == "whatsapp":
        length = catalog.editor_preview("whatsapp", "", form.body.data or "").length
        if length > catalog.WHATSAPP_MAX_CHARS:
            problems["body"] = _(
                "El texto de WhatsApp tiene %(length)s caracteres; el máximo es %(max)s.",
                length=length, max=catalog.WHATSAPP_MAX_CHARS,
            )  # fmt: skip
    return problems


def test_address_problem(channel: str, address: str) -> str | None:
    """A message when `address` cannot receive a test on `channel`."""
    if not address:
        return _("Indique una dirección para la prueba.")
    if channel == "email" and not EMAIL_SHAPE.fullmatch(address):
        return _("La dirección de email no es válida.")
    if channel == "whatsapp" and not address.lstrip("+").isdigit():
        return _("El número de WhatsApp solo admite dígitos y un + inicial.")
    return None


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(TemplateView(NotificationTemplate, db, name=_l("Plantillas"), endpoint="template", url="template"))
