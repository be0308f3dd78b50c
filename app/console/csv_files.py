"""The one format of the console's CSV files (the notification log's export and the Importar /
exportar page): `;`-separated with a UTF-8 BOM (Spanish-locale Excel opens it in columns, accents
intact), Spanish headers, local times, Spanish labels for statuses, channels and events.

Customers, vehicles and reminders keep their codes in the cells (a file exported here imports back
unchanged; the import reads the Spanish headers too)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from flask import Response, stream_with_context

from app.console import explanations, formatting, labels
from app.console.i18n import gettext as _

DELIMITER = ";"
BOM = "\ufeff"


LABELLED = ("status", "channel", "event_type", "target")


class Cells:
    """`cell` for a whole export: the zone is read once and each label translated once (an export of
    100,000 rows would otherwise translate the same few statuses and channels 100,000 times)."""

    def __init__(self) -> None:
        self.zone = formatting.local_zone()
        self.labels: dict[tuple[str, Any], Any] = {}

    def __call__(self, column: str, value: Any) -> Any:
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
            return aware.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        if column in LABELLED or isinstance(value, bool):
            key = (column, value)
            if key not in self.labels:
                self.labels[key] = cell(column, value)
            return self.labels[key]
        return cell(column, value)


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


class ImportCells(Cells):
    """A value of an importable entity: times local, everything else as the import reads it."""

    def __call__(self, column: str, value: Any) -> Any:
        if isinstance(value, datetime):
            return super().__call__(column, value)
        return import_cell(column, value)


def import_cell(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return formatting.local_time(value, seconds=True)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def response(chunks: Iterable[str], filename: str) -> Response:
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
