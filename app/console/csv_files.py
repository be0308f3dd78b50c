"""The one format of the console's CSV files (the notification log's export and the Importar /
exportar page): `;`-separated with a UTF-8 BOM (Spanish-locale Excel opens it in columns, accents
intact), Spanish headers, local times, Spanish labels for statuses, channels and events.

Customers, vehicles and reminders keep their codes in the cells (a file exported here imports back
unchanged; the import reads the Spanish headers too)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import Response, stream_with_context

from app.console import explanations, formatting, labels
from app.console.i18n import gettext as _

DELIMITER = ";"
BOM = "\ufeff"


def cell(column: str, value: Any) -> Any:
    """A value as staff read it: local time without microseconds, labels instead of codes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return formatting.local_time(value, seconds=True)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    if column == "status":
        return labels.status_label(value)
    if column == "channel":
        return labels.channel_label(value)
    if column == "event_type":
        return explanations.event_label(value)
    if column == "target":
        return explanations.target_label(value)
    return value


def import_cell(column: str, value: Any) -> Any:
    """A value of an importable entity: times local, everything else as the import reads it."""
    if isinstance(value, datetime):
        return formatting.local_time(value, seconds=True)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def response(chunks: Iterable[str], filename: str) -> Response:
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
