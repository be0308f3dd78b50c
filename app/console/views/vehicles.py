"""Console pages: Vehículos (filter by customer, search by plate) and Recordatorios (filter by
status, customer and vehicle; mark completed (bulk too), cancel, notify now)."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from markupsafe import Markup

from app import records
from app.console import formatting
from app.console.i18n import gettext as _
from app.console.i18n import lazy_gettext as _l
from app.console.security import RoleModelView, require_role
from app.console.views.lookups import (
    Between,
    NormalisedSearchMixin,
    PlainErrorsMixin,
    SearchAjaxLoader,
    UUIDKeyMixin,
    parse_uuid,
)
from app.extensions import db
from app.models import Customer, MaintenanceReminder, Vehicle
from app.models.enums import ReminderStatus, ReminderType
from app.orchestration.contacts import normalise_plate

CUSTOMER_SEARCH = ("customer_id", "first_name", "last_name", "email")
STATUS_LABELS = {
    ReminderStatus.PENDING: _l("Pendiente"), ReminderStatus.NOTIFIED: _l("Notificado"),
    ReminderStatus.COMPLETED: _l("Completado"), ReminderStatus.CANCELLED: _l("Cancelado"),
    ReminderStatus.OVERDUE: _l("Vencido"),
}  # fmt: skip
STATUS_BADGES = {"pending": "info", "notified": "primary", "completed": "success", "cancelled": "secondary",
                 "overdue": "danger"}  # fmt: skip


def _link_customer(view, context, model, name) -> Markup | str:
    owner = model.customer
    if owner is None:
        return "—"
    return Markup('<a href="{}">{}</a>').format(url_for("customer.details_view", id=owner.id), str(owner))


def vehicle_label(vehicle: Vehicle) -> str:
    """How staff tell vehicles apart in a picker: plate · brand model · owner."""
    model = " ".join(part for part in (vehicle.brand, vehicle.model) if part)
    owner = str(vehicle.customer) if vehicle.customer is not None else _("sin cliente")
    return " · ".join(part for part in (vehicle.plate, model, owner) if part)


class VehiclePicker(SearchAjaxLoader):
    """The reminder form's vehicle search: each choice reads plate, model and customer."""

    def format(self, model: Any) -> tuple[Any, str] | None:
        if not model:
            return None
        return model.id, vehicle_label(model)


def _format_time(view, context, model, name) -> str:
    value = getattr(model, name)
    return formatting.local_time(value, empty="—")


def _format_status(view, context, model, name) -> Markup:
    label = STATUS_LABELS.get(model.status, model.status)
    return Markup('<span class="badge badge-{}">{}</span>').format(STATUS_BADGES.get(model.status, "light"), label)


class PlateFilter(FilterLike):
    """Reminders whose vehicle's plate contains the text, dashes and spaces aside ("UCC-8299")."""

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias).in_(
            db.select(Vehicle.id).where(records.plate_contains(value))))


class ScopedByArgs:
    """`?customer=<id>` / `?vehicle=<id>` narrow a list (links from the customer page), in SQL."""

    scope_args: ClassVar[dict] = {}

    def _scoped(self, query: Any) -> Any:
        for arg, column in self.scope_args.items():
            value = parse_uuid(request.args.get(arg)) if request else None
            if value is not None:
                query = query.filter(column == value)
        return query

    def get_query(self) -> Any:
        return self._scoped(super().get_query())

    def get_count_query(self) -> Any:
        return self._scoped(super().get_count_query())

    def scope_note(self) -> str | None:
        """Who the list is narrowed to, for the banner above it."""
        owner_id, vehicle_id = (parse_uuid(request.args.get(arg)) for arg in ("customer", "vehicle"))
        owner = db.session.get(Customer, owner_id) if owner_id else None
        vehicle = db.session.get(Vehicle, vehicle_id) if vehicle_id else None
        parts = [str(owner)] if owner else []
        parts += [vehicle.plate] if vehicle else []
        return " · ".join(parts) or None

    def render(self, template: str, **kwargs: Any) -> str:
        if template == self.list_template:
            kwargs["scope_note"] = self.scope_note()
        return super().render(template, **kwargs)


class VehicleView(NormalisedSearchMixin, UUIDKeyMixin, PlainErrorsMixin, ScopedByArgs, RoleModelView):
    """Vehicles: everyone reads; operators and admins edit."""

    write_role = "operator"
    can_view_details = True
    page_size = 20
    list_template = "console/vehicle_list.html"
    scope_args: ClassVar[dict] = {"customer": Vehicle.customer_id}
    column_list = (
        "plate",
        "brand",
        "model",
        "year",
        "customer",
        "current_kilometers",
        "next_service_kilometers",
    )
    column_sortable_list = ("plate", "brand", "year", "current_kilometers")
    column_default_sort = ("plate", False)
    column_searchable_list = ("plate",)  # the search itself: app/records/search.py
    search_hint = _l("Placa, marca, modelo o cliente")
    column_labels: ClassVar[dict] = {
        "plate": _l("Placa"), "brand": _l("Marca"), "model": _l("Modelo"), "year": _l("Año"),
        "customer": _l("Cliente"), "current_kilometers": _l("Kilometraje actual"),
        "next_service_kilometers": _l("Próximo servicio (km)"), "last_service_date": _l("Último servicio"),
        "image_url": _l("Imagen (URL)"), "core_vehicle_id": _l("ID en el sistema del taller"),
        "last_synced_at": _l("Última sincronización"), "created_at": _l("Creado"), "updated_at": _l("Actualizado"),
    }  # fmt: skip
    # The detail page lists what staff read; the search column and sync counters stay out.
    column_details_list = (
        "plate", "brand", "model", "year", "customer", "current_kilometers", "last_service_date",
        "next_service_kilometers", "image_url", "core_vehicle_id", "last_synced_at", "created_at", "updated_at",
    )  # fmt: skip
    column_formatters: ClassVar[dict] = {"customer": _link_customer}
    form_columns = (
        "plate", "customer", "brand", "model", "year", "current_kilometers", "last_service_date",
        "next_service_kilometers",
    )  # fmt: skip
    form_args: ClassVar[dict] = {
        "year": {"validators": [Between(1950, 2100, _l("Año no válido."))]},
        "current_kilometers": {"validators": [Between(0, None, _l("No puede ser negativo."))]},
        "next_service_kilometers": {"validators": [Between(0, None, _l("No puede ser negativo."))]},
    }  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            FilterEqual("customer.customer_id", _l("ID de cliente")),
            FilterLike("customer.last_name", _l("Apellido del cliente")),
        ]
        self.form_ajax_refs = {
            "customer": SearchAjaxLoader("customer", db, Customer, records.customer_search, fields=CUSTOMER_SEARCH,
                                         page_size=10),
        }
        super().__init__(*args, **kwargs)

    def search_condition(self, typed: str) -> Any:
        return records.vehicle_search(typed)

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if valid and hasattr(form, "plate"):
            plate = normalise_plate(form.plate.data or "")
            if not plate:
                form.plate.errors.append(_("La placa es obligatoria."))
                return False
            clash = db.session.scalar(db.select(Vehicle.id).where(Vehicle.plate == plate))
            if clash is not None and clash != parse_uuid(request.args.get("id")):
                form.plate.errors.append(_("Ya existe un vehículo con esa placa."))
                return False
            form.plate.data = plate
        return valid


class ReminderView(NormalisedSearchMixin, UUIDKeyMixin, PlainErrorsMixin, ScopedByArgs, RoleModelView):
    """Reminders: everyone reads; operators and admins edit and run the actions."""

    write_role = "operator"
    can_view_details = True
    page_size = 20
    list_template = "console/reminder_list.html"
    scope_args: ClassVar[dict] = {
        "customer": MaintenanceReminder.customer_id,
        "vehicle": MaintenanceReminder.vehicle_id,
    }
    column_list = ("title", "vehicle", "customer", "due_date", "due_kilometers", "status", "last_notified_at")
    column_sortable_list = ("title", "due_date", "due_kilometers", "status", "last_notified_at")
    column_default_sort = ("due_date", False)
    column_searchable_list = ("title",)  # the search itself: app/records/search.py
    search_hint = _l("Placa, modelo, cliente o recordatorio")
    column_labels: ClassVar[dict] = {
        "title": _l("Recordatorio"), "vehicle": _l("Vehículo"), "customer": _l("Cliente"),
        "due_date": _l("Fecha límite"), "due_kilometers": _l("Kilometraje límite"), "status": _l("Estado"),
        "last_notified_at": _l("Último aviso"), "description": _l("Descripción"),
        "notify_before_days": _l("Avisar días antes"), "notify_before_km": _l("Avisar km antes"),
        "service_type": _l("Tipo de servicio"), "notified_count": _l("Avisos enviados"),
    }  # fmt: skip
    column_formatters: ClassVar[dict] = {
        "status": _format_status, "customer": _link_customer, "last_notified_at": _format_time,
    }  # fmt: skip
    form_columns = (
        "vehicle", "title", "description", "service_type", "due_date", "due_kilometers", "notify_before_days",
        "notify_before_km", "status",
    )  # fmt: skip
    form_choices: ClassVar[dict] = {"status": [(k, str(v)) for k, v in STATUS_LABELS.items()]}
    form_args: ClassVar[dict] = {
        "due_kilometers": {"validators": [Between(0, None, _l("No puede ser negativo."))]},
        "notify_before_days": {"validators": [Between(0, 365, _l("Entre 0 y 365 días."))]},
        "notify_before_km": {"validators": [Between(0, 100000, _l("Entre 0 y 100.000 km."))]},
    }  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.column_filters = [
            FilterEqual(
                MaintenanceReminder.status,
                _l("Estado"),
                options=[(k, str(v)) for k, v in STATUS_LABELS.items()],
            ),
            FilterEqual("customer.customer_id", _l("ID de cliente")),
            PlateFilter(MaintenanceReminder.vehicle_id, _l("Placa")),
        ]
        self.form_ajax_refs = {
            "vehicle": VehiclePicker("vehicle", db, Vehicle, records.vehicle_search, fields=("plate",),
                                     page_size=10),
        }
        super().__init__(*args, **kwargs)

    def search_condition(self, typed: str) -> Any:
        return records.reminder_search(typed)

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        if not valid or not hasattr(form, "vehicle"):
            return valid
        if form.vehicle.data is not None and form.vehicle.data.customer_id is None:
            form.vehicle.errors.append(_("Este vehículo no tiene cliente: asígnelo primero."))
            valid = False
        if form.due_date.data is None and form.due_kilometers.data is None:
            form.due_date.errors.append(_("Indique una fecha límite, un kilometraje límite o ambos."))
            valid = False
        return valid

    def on_model_change(self, form: Any, model: MaintenanceReminder, is_created: bool) -> None:
        model.customer_id = model.vehicle.customer_id
        # The targets staff see decide the type (the PWA's type field, kilometers/date/both).
        model.reminder_type = ReminderType.of(model.due_date, model.due_kilometers)

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("can_write", self.can_write())
        return super().render(template, **kwargs)

    @action("complete", _l("Marcar completado"), _l("¿Marcar los recordatorios seleccionados como completados?"))
    def action_complete(self, ids: list[str]) -> None:
        count = records.complete_reminders(_uuids(ids))
        flash(_("%(count)s recordatorio(s) marcados como completados.", count=count), "success")

    @action("cancel", _l("Cancelar"), _l("¿Cancelar los recordatorios seleccionados?"))
    def action_cancel(self, ids: list[str]) -> None:
        count = records.cancel_reminders(_uuids(ids))
        flash(_("%(count)s recordatorio(s) cancelados.", count=count), "success")

    @expose("/row-action/", methods=("POST",))
    @require_role("operator")
    def row_action(self):
        """One reminder's button: complete, cancel or notify now."""
        reminder_id = parse_uuid(request.form.get("id"))
        operation = request.form.get("operation")
        back = local_url(request.form.get("url")) or url_for(".index_view")
        if reminder_id is None or db.session.get(MaintenanceReminder, reminder_id) is None:
            flash(_("El recordatorio no existe."), "error")
        elif operation == "complete":
            records.complete_reminders([reminder_id])
            flash(_("Recordatorio marcado como completado."), "success")
        elif operation == "cancel":
            records.cancel_reminders([reminder_id])
            flash(_("Recordatorio cancelado."), "success")
        elif operation == "notify":
            flash_notify_outcome(*records.notify_now(reminder_id))
        else:
            flash(_("Acción desconocida."), "error")
        return redirect(back)


def flash_notify_outcome(queued: bool, detail: str) -> None:
    if queued:
        flash(_("Aviso enviado a la cola de envío."), "success")
    elif detail == "closed":
        flash(_("El recordatorio está cerrado (completado o cancelado)."), "error")
    elif detail == "no_channel":
        flash(_("No se envió: el cliente no tiene un canal utilizable o no hay plantilla."), "warning")
    else:
        flash(_("No se pudo enviar el aviso (%(detail)s).", detail=detail), "error")


def local_url(target: str | None) -> str | None:
    """`target` when it stays on this site (a path, no scheme or host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if not urlsplit(target).netloc else None


def _uuids(ids: list[str]) -> list:
    return [parsed for parsed in (parse_uuid(i) for i in ids) if parsed is not None]


def register(admin: Admin) -> None:
    """Add this page's views to the console."""
    admin.add_view(VehicleView(Vehicle, db, name=_l("Vehículos"), endpoint="vehicle", url="vehicle"))
    admin.add_view(ReminderView(MaintenanceReminder, db, name=_l("Recordatorios"), endpoint="reminder", url="reminder"))
