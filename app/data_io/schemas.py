"""Row schemas: the columns of each importable entity and how a row of text becomes an item.

Customers and vehicles validate with the sync API's own models (app/sync/payloads.py), so a CSV
row obeys the same rules as a JSON item. A column missing from the file keeps the stored value;
an empty cell clears it (the JSON contract's explicit null).
"""

from __future__ import annotations

import re
from collections.abc import Callable
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from app.data_io.reading import EXTRA_CELLS
from app.models.enums import ReminderStatus
from app.orchestration.contacts import normalise_plate
from app.sync import INT32_MAX, CustomerSync, VehicleSync

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class RowError:
    """A problem found at `line` (1 is the header) in `column` ('' for the whole line)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        where = f"line {self.line}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


class ReminderRow(BaseModel):
    """A maintenance reminder, addressed by (plate, service_type, due_date, due_kilometers)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    plate: StrictStr = Field(min_length=1, max_length=16)
    service_type: StrictStr | None = Field(default=None, max_length=64)
    title: StrictStr | None = Field(default=None, max_length=200)
    description: StrictStr | None = None
    due_date: date | None = None
    due_kilometers: StrictInt | None = Field(default=None, ge=0, le=INT32_MAX)
    notify_before_days: StrictInt | None = Field(default=None, ge=0, le=3650)
    notify_before_km: StrictInt | None = Field(default=None, ge=0, le=INT32_MAX)
    status: StrictStr | None = None

    @field_validator("plate", mode="before")
    @classmethod
    def _normalise_plate(cls, value: Any) -> Any:
        return normalise_plate(value) if isinstance(value, str) else value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value and value not in ReminderStatus.ALL:
            raise ValueError("Use one of: " + ", ".join(ReminderStatus.ALL) + ".")
        return value or None

    def key(self) -> tuple:
        return (self.plate, self.service_type or "", self.due_date, self.due_kilometers)


@dataclass(frozen=True)
class Schema:
    """One importable entity: its columns in export order, key columns and integer/date columns."""

    name: str
    model: type[BaseModel]
    columns: tuple[str, ...]
    required: tuple[str, ...]
    integers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    check: Callable[[BaseModel], str | None] | None = None


def _reminder_due(item: BaseModel) -> str | None:
    if item.due_date is None and item.due_kilometers is None:
        return "Give a due_date, a due_kilometers or both."
    return None


SCHEMAS: dict[str, Schema] = {
    "customers": Schema(
        "customers", CustomerSync,
        ("customer_id", "first_name", "last_name", "name", "email", "phone", "whatsapp", "sync_version"),
        required=("customer_id",), integers=("sync_version",),
    ),
    "vehicles": Schema(
        "vehicles", VehicleSync,
        ("plate", "customer_id", "brand", "model", "year", "current_kilometers", "last_service_date",
         "next_service_kilometers", "image_url", "sync_version"),
        required=("plate", "customer_id"),
        integers=("year", "current_kilometers", "next_service_kilometers", "sync_version"),
        dates=("last_service_date",),
    ),
    "reminders": Schema(
        "reminders", ReminderRow,
        ("plate", "service_type", "due_date", "due_kilometers", "title", "description",
         "notify_before_days", "notify_before_km", "status"),
        required=("plate",), integers=("due_kilometers", "notify_before_days", "notify_before_km"),
        dates=("due_date",), check=_reminder_due,
    ),
}


# The Spanish column headers of the console's files (exports and the import's template): a file
# exported from the console imports back unchanged, and English headers keep working.
SPANISH_HEADERS: dict[str, str] = {
    "customer_id": "Código de cliente", "first_name": "Nombres", "last_name": "Apellidos", "name": "Nombre completo",
    "email": "Correo", "phone": "Teléfono", "whatsapp": "WhatsApp", "sync_version": "Versión",
    "plate": "Placa", "brand": "Marca", "model": "Modelo", "year": "Año", "current_kilometers": "Kilometraje actual",
    "last_service_date": "Último servicio", "next_service_kilometers": "Próximo servicio (km)",
    "image_url": "Imagen (URL)", "service_type": "Tipo de servicio", "due_date": "Fecha de vencimiento",
    "due_kilometers": "Vence a los km", "title": "Título", "description": "Descripción",
    "notify_before_days": "Avisar días antes", "notify_before_km": "Avisar km antes", "status": "Estado",
    # Notifications (export only)
    "created_at": "Creada", "id": "Id", "correlation_id": "Correlación", "event_type": "Evento",
    "customer_ref": "Cliente", "target": "Destino", "channel": "Canal", "recipient": "Destinatario",
    "attempts": "Intentos", "error_code": "Código de error", "error_reason": "Detalle del error",
    "subject": "Asunto", "sent_at": "Enviada", "delivered_at": "Entregada", "read_at": "Leída", "failed_at": "Fallida",
}


def _header_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().strip().lower().replace(" ", "_")


_SPANISH_KEYS = {_header_key(label): column for column, label in SPANISH_HEADERS.items()}


def column_for_header(name: str) -> str:
    """The column a header names: an English column name as it is, a Spanish header (any accents or case)
    as its column."""
    return _SPANISH_KEYS.get(_header_key(name), name)


def header_errors(schema: Schema, header: list[str]) -> tuple[list[RowError], list[str]]:
    """Missing required columns are errors (line 1); unknown columns are ignored with a warning."""
    errors = [RowError(1, name, "Required column is missing.") for name in schema.required if name not in header]
    unknown = [name for name in header if name not in schema.columns]
    warnings = [f"Column '{name}' is not part of the {schema.name} format and is ignored." for name in unknown]
    return errors, warnings


def parse_row(schema: Schema, line: int, row: dict[str, str]) -> tuple[BaseModel | None, list[RowError]]:
    """Validate one row; returns (item, []) or (None, errors by column)."""
    if EXTRA_CELLS in row:
        return None, [RowError(line, "", "The line has more cells than the header has columns.")]
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in schema.columns:
        if column not in row:
            continue
        text = row[column].strip()
        if not text and column in schema.required:
            errors.append(RowError(line, column, "A value is required."))
            continue
        try:
            values[column] = _convert(schema, column, text)
        except ValueError as err:
            errors.append(RowError(line, column, str(err)))
    if errors:
        return None, errors
    try:
        item = schema.model.model_validate(values)
    except ValidationError as err:
        return None, [RowError(line, _column(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in err.errors()]
    problem = schema.check(item) if schema.check else None
    return (None, [RowError(line, "", problem)]) if problem else (item, [])


def _convert(schema: Schema, column: str, text: str) -> Any:
    if text == "":
        return None
    if column in schema.integers:
        if not _INTEGER.match(text):
            raise ValueError(f"'{text}' is not a whole number.")
        return int(text)
    if column in schema.dates:
        return _iso_date(text)
    return text


def _iso_date(text: str) -> str:
    """YYYY-MM-DD, or DD/MM/YYYY as Spanish-locale spreadsheets write it."""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise ValueError(f"'{text}' is not a valid date.") from None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        try:
            return datetime.fromisoformat(text).date().isoformat()
        except ValueError:
            raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY).") from None


def _column(loc: tuple) -> str:
    return str(loc[0]) if loc else ""
