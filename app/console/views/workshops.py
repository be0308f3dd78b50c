"""Console page: Talleres y canales. Workshops with their per-channel switches, and a
"probar conexión" button per provider (SMTP login, Evolution instance state, VAPID keys)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from flask import current_app, flash, redirect, request, url_for
from flask_admin import Admin, expose
from markupsafe import Markup
from sqlalchemy import func, select

from app import catalog
from app.channels import CHANNEL_LABELS, CHANNELS
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleModelView, require_role
from app.console.views.lookups import Matches, PlainErrorsMixin, UUIDKeyMixin, parse_uuid
from app.delivery import check_provider
from app.extensions import db
from app.models import Workshop

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ()-]{6,20}$"


def _switch(field: str):
    def formatter(view, context, model, name) -> Markup:
        on = bool(getattr(model, field))
        cls, label = ("success", _("Sí")) if on else ("secondary", _("No"))
        return Markup('<span class="badge badge-{}">{}</span>').format(cls, label)

    return formatter


LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def email_configured(config: Any) -> bool:
    """Email counts as configured once EMAIL_HOST names another server or a login is set: the default
    (localhost:25, no user) is what a fresh install has, mail server or not."""
    return (str(config.get("EMAIL_HOST") or "").strip().lower() not in LOCAL_HOSTS
            or bool(config.get("EMAIL_HOST_USER")))


def provider_summaries() -> list[dict[str, Any]]:
    """What each provider is set up with, without secrets (hosts and names, never keys)."""
    config = current_app.config
    return [
        {"channel": "email", "label": CHANNEL_LABELS["email"], "configured": email_configured(config),
         "detail": f"{config.get('EMAIL_HOST') or '—'}:{config.get('EMAIL_PORT') or ''}",
         "hint": "" if email_configured(config) else _(
             "EMAIL_HOST tiene el valor por defecto (este mismo equipo). Si aquí no hay un servidor de correo, "
             "defina EMAIL_HOST, EMAIL_PORT y el usuario; un administrador lo comprueba con el botón de prueba.")},
        {"channel": "whatsapp", "label": CHANNEL_LABELS["whatsapp"],
         "configured": bool(config.get("EVOLUTION_API_URL") and config.get("EVOLUTION_INSTANCE")),
         "detail": config.get("EVOLUTION_INSTANCE") or "—"},
        {"channel": "push", "label": CHANNEL_LABELS["push"],
         "configured": bool(config.get("VAPID_PUBLIC_KEY") and config.get("VAPID_PRIVATE_KEY")),
         "detail": _("claves VAPID presentes") if config.get("VAPID_PUBLIC_KEY") else _("sin claves VAPID")},
    ]  # fmt: skip


class WorkshopView(UUIDKeyMixin, PlainErrorsMixin, RoleModelView):
    """Workshops and channel settings: everyone reads; only admins change them or test providers."""

    write_role = "admin"
    allow_delete = False  # customers, templates and configs hang off a workshop; deactivate instead
    can_view_details = True
    list_template = "console/workshop_list.html"
    page_size = 20
    column_list = ("code", "name", "phone", "staff_email", "email_enabled", "whatsapp_enabled", "push_enabled",
                   "is_active")  # fmt: skip
    column_sortable_list = ("code", "name", "is_active")
    column_default_sort = ("name", False)
    column_searchable_list = ("code", "name")
    column_labels: ClassVar[dict] = {
        "code": _l("Código"), "name": _l("Nombre"), "address": _l("Dirección"), "phone": _l("Teléfono"),
        "staff_email": _l("Email del personal"), "staff_whatsapp": _l("WhatsApp del personal"),
        "email_enabled": _l("Email"), "whatsapp_enabled": _l("WhatsApp"), "push_enabled": _l("Push"),
        "is_active": _l("Activo"),
    }  # fmt: skip
    column_formatters: ClassVar[dict] = {f"{c}_enabled": _switch(f"{c}_enabled") for c in CHANNELS} | {
        "is_active": _switch("is_active")
    }
    form_columns = ("code", "name", "address", "phone", "staff_email", "staff_whatsapp", "email_enabled",
                    "whatsapp_enabled", "push_enabled", "is_active")  # fmt: skip
    form_args: ClassVar[dict] = {
        "code": {"validators": [Matches(CODE_PATTERN, _l("Solo minúsculas, números, - y _."))]},
        "staff_email": {"validators": [Matches(EMAIL_PATTERN, _l("Email no válido."))]},
        "staff_whatsapp": {"validators": [Matches(PHONE_PATTERN, _l("Número no válido."))]},
        "phone": {"validators": [Matches(PHONE_PATTERN, _l("Teléfono no válido."))]},
    }

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if valid and hasattr(form, "code"):
            code = (form.code.data or "").strip()
            clash = db.session.scalar(select(Workshop.id).where(func.lower(Workshop.code) == code.lower()))
            if clash is not None and clash != parse_uuid(request.args.get("id")):
                form.code.errors.append(_("Ya existe un taller con ese código."))
                return False
        return valid

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        catalog.invalidate_snapshot()

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("providers", provider_summaries())
        kwargs.setdefault("can_write", self.can_write())
        return super().render(template, **kwargs)

    @expose("/check/<channel>/", methods=("POST",))
    @require_role("admin")
    def check_view(self, channel: str):
        """Probar conexión: run the provider's check and show its outcome."""
        if channel not in CHANNELS:
            flash(_("Canal desconocido."), "error")
            return redirect(url_for(".index_view"))
        result = check_provider(channel)
        detail = redact(result.detail)
        if result.ok:
            flash(_("%(channel)s: conexión correcta. %(detail)s", channel=CHANNEL_LABELS[channel], detail=detail),
                  "success")  # fmt: skip
        else:
            flash(_("%(channel)s: la prueba falló. %(detail)s", channel=CHANNEL_LABELS[channel], detail=detail),
                  "error")  # fmt: skip
        return redirect(url_for(".index_view"))


def redact(text: str) -> str:
    """Keys never reach the page, even if a provider echoes one back in an error."""
    secrets = [
        current_app.config.get(k) for k in ("EVOLUTION_API_KEY", "EMAIL_HOST_PASSWORD", "VAPID_PRIVATE_KEY")
    ]
    for secret in filter(None, secrets):
        text = text.replace(str(secret), "***")
    return re.sub(r"\s+", " ", text).strip()


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(
        WorkshopView(Workshop, db, name=_l("Talleres y canales"), endpoint="workshop", url="workshop")
    )
