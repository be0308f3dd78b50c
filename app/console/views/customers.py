"""Console page: Clientes. Searchable list; a detail page with contact data, channel preferences
(edited inline), vehicles, reminders, push subscriptions and the notification timeline."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, redirect, request, url_for
from flask_admin import Admin, expose
from markupsafe import Markup
from sqlalchemy import select

from app import inbox
from app.channels import CHANNEL_LABELS, CHANNELS
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleModelView, require_role
from app.console.views.lookups import (
    Matches,
    NormalisedSearchMixin,
    PlainErrorsMixin,
    UUIDEqualFilter,
    UUIDKeyMixin,
    parse_uuid,
    workshop_options,
)
from app.extensions import db
from app.models import Customer, MaintenanceReminder, PushSubscription, Vehicle
from app.records import customer_search, customer_timeline, effective_preferences, set_preferences

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ()-]{6,20}$"
MAX_PRIORITY = 9


def _format_active(view, context, model, name) -> Markup:
    if model.is_active:
        return Markup('<span class="badge badge-success">{}</span>').format(_("Activo"))
    return Markup('<span class="badge badge-secondary">{}</span>').format(_("Inactivo"))


def _format_name(view, context, model, name) -> Markup:
    url = url_for(".details_view", id=model.id)
    return Markup('<a href="{}">{}</a>').format(url, model.full_name or model.customer_id)


def parse_preferences(form: Any) -> tuple[list[dict], dict[str, str]]:
    """The inline preferences form -> set_preferences items, or per-channel error messages."""
    items, errors = [], {}
    for channel in CHANNELS:
        raw = (form.get(f"priority-{channel}") or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PRIORITY:
            errors[channel] = _("La prioridad debe ser un número entre 1 y %(max)s.", max=MAX_PRIORITY)
            continue
        items.append({"channel": channel, "enabled": form.get(f"enabled-{channel}") == "on", "priority": int(raw)})
    return items, errors


class CustomerView(NormalisedSearchMixin, UUIDKeyMixin, PlainErrorsMixin, RoleModelView):
    """Customers: everyone reads; operators and admins edit (preferences included)."""

    write_role = "operator"
    allow_delete = False  # customers belong to the core system; deactivate them instead
    can_view_details = True
    details_template = "console/customer_detail.html"
    list_template = "console/model_list.html"
    page_size = 20
    column_list = ("customer_id", "first_name", "last_name", "email", "phone", "workshop", "is_active")
    column_sortable_list = ("customer_id", "first_name", "last_name", "email")
    column_default_sort = ("last_name", False)
    column_searchable_list = ("first_name",)  # the search itself: app/records/search.py
    search_hint = _l("Nombre, placa, teléfono, email o ID")
    column_labels: ClassVar[dict] = {
        "customer_id": _l("ID de cliente"), "first_name": _l("Nombre"), "last_name": _l("Apellido"),
        "email": _l("Email"), "phone": _l("Teléfono"), "whatsapp": _l("WhatsApp"), "workshop": _l("Taller"),
        "is_active": _l("Activo"), "reminder_email_opt_out": _l("No quiere recordatorios por email"),
    }  # fmt: skip
    column_formatters: ClassVar[dict] = {"is_active": _format_active, "first_name": _format_name}
    form_columns = (
        "customer_id", "first_name", "last_name", "email", "phone", "whatsapp", "workshop", "is_active",
        "reminder_email_opt_out",
    )  # fmt: skip
    form_args: ClassVar[dict] = {
        "email": {"validators": [Matches(EMAIL_PATTERN, _l("Email no válido."))]},
        "phone": {"validators": [Matches(PHONE_PATTERN, _l("Teléfono no válido."))]},
        "whatsapp": {"validators": [Matches(PHONE_PATTERN, _l("Número no válido."))]},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            UUIDEqualFilter(Customer.workshop_id, _l("Taller"), workshop_options),
        ]
        super().__init__(*args, **kwargs)

    def search_condition(self, typed: str) -> Any:
        return customer_search(typed)

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "customer_id") or form.customer_id.errors:
            return valid  # (on GET the field's errors are still an immutable tuple)
        if not (form.customer_id.data or "").strip():
            form.customer_id.errors.append(_("El ID de cliente es obligatorio."))
            return False
        clash = db.session.scalar(select(Customer.id).where(Customer.customer_id == form.customer_id.data))
        if clash is not None and clash != parse_uuid(request.args.get("id")):
            form.customer_id.errors.append(_("Ya existe un cliente con ese ID."))
            return False
        return valid

    def render(self, template: str, **kwargs: Any) -> str:
        model = kwargs.get("model")
        if template == self.details_template and isinstance(model, Customer):
            kwargs.update(detail_context(model, request.args.get("page", "1")))
            kwargs["can_write"] = self.can_write()
        return super().render(template, **kwargs)

    @expose("/preferences/", methods=("POST",))
    @require_role("operator")
    def preferences_view(self):
        customer = self.get_one(request.form.get("id", ""))
        if customer is None:
            flash(_("El cliente no existe."), "error")
            return redirect(url_for(".index_view"))
        items, errors = parse_preferences(request.form)
        if errors:
            for channel, message in errors.items():
                flash(f"{CHANNEL_LABELS[channel]}: {message}", "error")
            return redirect(url_for(".details_view", id=customer.id))
        set_preferences(customer, items)
        flash(_("Preferencias guardadas."), "success")
        return redirect(url_for(".details_view", id=customer.id))


def timeline_items(customer: Customer, timeline) -> list[tuple[str, Any]]:
    """The page's notifications with the customer's WhatsApp messages of the same period, newest
    first: ("notification", entry) and ("message", inbound message) pairs."""
    entries = timeline.entries
    newest = entries[0].created_at if entries and timeline.has_previous else None
    oldest = entries[-1].created_at if entries and timeline.has_next else None
    messages = inbox.customer_messages(customer.id, newest, oldest)
    items = [("notification", e, e.created_at) for e in entries] + [("message", r, r.created_at) for r in messages]
    items.sort(key=lambda item: item[2], reverse=True)
    return [(kind, row) for kind, row, _ in items]


def detail_context(customer: Customer, page: str) -> dict:
    """Everything the detail page shows besides the customer's own columns."""
    timeline = customer_timeline(customer.id, page=int(page) if page.isdigit() else 1)
    vehicles = db.session.scalars(select(Vehicle).where(Vehicle.customer_id == customer.id).order_by(Vehicle.plate))
    reminders = db.session.scalars(
        select(MaintenanceReminder)
        .where(MaintenanceReminder.customer_id == customer.id)
        .order_by(MaintenanceReminder.due_date.desc())
        .limit(50)
    )
    subscriptions = db.session.scalars(
        select(PushSubscription)
        .where(PushSubscription.customer_id == customer.id)
        .order_by(PushSubscription.created_at)
    )
    return {
        "preferences": effective_preferences(customer),
        "vehicles": vehicles.all(),
        "reminders": reminders.all(),
        "subscriptions": subscriptions.all(),
        "timeline": timeline,
        "timeline_items": timeline_items(customer, timeline),
        "channel_labels": CHANNEL_LABELS,
        "max_priority": MAX_PRIORITY,
    }


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(CustomerView(Customer, db, name=_l("Clientes"), endpoint="customer", url="customer"))
