"""Console page: Horarios de envío. Per workshop (or the global default) and channel: the weekly
send window (one range per day), closed dates, backlog rate and per-customer cap, with a preview
line per channel ("un mensaje enviado ahora saldría el lunes 08:00"); the workshop's time zone;
the phases flagged urgent. Writes go through app/catalog/policies.py, like the API's."""

from __future__ import annotations

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
from app.models import ServicePhase, Workshop

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {"mon": _l("Lunes"), "tue": _l("Martes"), "wed": _l("Miércoles"), "thu": _l("Jueves"),
              "fri": _l("Viernes"), "sat": _l("Sábado"), "sun": _l("Domingo")}


def _number(text: str, kind=int):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        return text  # refused by the validation below, with the field named


def channels_from_form(form: Any, workshop) -> dict[str, dict | None]:
    """The grid's values as catalog.policies.save_policy takes them."""
    out: dict[str, dict | None] = {}
    for channel in CHANNELS:
        if workshop is not None and form.get(f"{channel}-inherit") == "on":
            out[channel] = None
            continue
        hours = None
        if form.get(f"{channel}-anytime") != "on":
            hours = {}
            for day in DAYS:
                start, end = form.get(f"{channel}-{day}-from", "").strip(), form.get(f"{channel}-{day}-to", "").strip()
                if start or end:
                    hours[day] = [f"{start}-{end}"]
        closed = [line.strip() for line in form.get(f"{channel}-closed", "").replace(",", "\n").splitlines() if line.strip()]
        out[channel] = {"hours": hours, "closed_dates": closed, "per_minute": _number(form.get(f"{channel}-per_minute"), float),
                        "cap_count": _number(form.get(f"{channel}-cap_count")),
                        "cap_minutes": _number(form.get(f"{channel}-cap_minutes"))}
    return out


def _numbers_problems(channels: dict[str, dict | None]) -> dict[str, list[str]]:
    problems = {}
    for channel, values in channels.items():
        for name, low in (("per_minute", 0.01), ("cap_count", 0), ("cap_minutes", 1)):
            value = (values or {}).get(name)
            if value is not None and (isinstance(value, str) or value < low):
                problems[f"channels.{channel}.{name}"] = [_("Número no válido.")]
    return problems


class SendWindowView(RoleAccessMixin, BaseView):
    """Everyone reads the send windows; admins change them (as the matrix and channel switches)."""

    write_role = "admin"

    def _workshop(self, source: Any):
        ident = parse_uuid(source.get("workshop", ""))
        return db.session.get(Workshop, ident) if ident else None

    @expose("/")
    def index(self):
        return self._page(self._workshop(request.args))

    def _page(self, workshop, status: int = 200, errors: dict | None = None):
        views = catalog.policies.channel_views(workshop)
        html = self.render(
            "console/send_windows.html", workshop=workshop, views=views, days=DAYS, day_labels=DAY_LABELS,
            channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS], timezone=catalog.policies.timezone_name(workshop),
            workshops=db.session.scalars(select(Workshop).order_by(Workshop.name)).all(),
            phases=db.session.scalars(select(ServicePhase).where(ServicePhase.is_active)
                                      .order_by(ServicePhase.order)).all(),
            errors=errors or {}, can_write=self.can_write(),
        )
        return html, status

    @expose("/save/", methods=("POST",))
    @require_role("admin")
    def save(self):
        workshop = self._workshop(request.form)
        channels = channels_from_form(request.form, workshop)
        problems = _numbers_problems(channels)
        timezone = (request.form.get("timezone") or "").strip() if workshop is not None else None
        if not problems:
            try:
                catalog.policies.save_policy(workshop, channels, timezone or None)
            except catalog.policies.PolicyInvalid as err:
                db.session.rollback()
                problems = err.errors
        if problems:
            flash(_("No se guardó ningún cambio: %(problems)s",
                    problems="; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items())), "error")
            return self._page(workshop, status=400, errors=problems)
        flash(_("Horarios de envío guardados."), "success")
        return redirect(url_for(".index", workshop=str(workshop.id) if workshop else ""))

    @expose("/urgent/", methods=("POST",))
    @require_role("admin")
    def urgent(self):
        slugs = request.form.getlist("urgent")
        until = {slug: request.form.get(f"until-{slug}", "").strip() or None for slug in slugs}
        fields = {slug: f"until-{slug}" for slug in slugs}
        try:
            catalog.policies.set_urgent_phases(slugs, until, fields)
        except catalog.policies.PolicyInvalid as err:
            db.session.rollback()
            flash(_("No se guardó ningún cambio: %(problems)s",
                    problems="; ".join(f"{k}: {' '.join(v)}" for k, v in err.errors.items())), "error")
            return self._page(self._workshop(request.form), status=400, errors=err.errors)
        flash(_("Fases urgentes guardadas."), "success")
        return redirect(url_for(".index", workshop=request.form.get("workshop", "")))


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(SendWindowView(name=_l("Horarios de envío"), endpoint="send_windows", url="send-windows"))
