"""CSV import and export of customers, vehicles, reminders (and notifications, export only).

reading.py parses a file (UTF-8 with or without BOM, ';' or ',' separated); schemas.py turns each
row into a validated item or errors by line and column; importing.py validates a whole file and
upserts it by natural key with the sync rules of app/sync/upserts.py; exporting.py streams CSV
through cells.py, the one writer of every export (formula cells neutralised); uploads.py keeps an
uploaded file between its preview and its confirmation.
"""

from app.data_io.cells import CsvLines
from app.data_io.exporting import EXPORTS, NotificationFilter, export_rows
from app.data_io.importing import ENTITIES, ImportReport, import_table, validate_table
from app.data_io.reading import CsvFormatError, CsvTable, read_csv
from app.data_io.schemas import SCHEMAS, SPANISH_HEADERS, column_for_header
from app.data_io.uploads import discard as discard_upload
from app.data_io.uploads import load as load_upload
from app.data_io.uploads import save as save_upload

__all__ = [
    "ENTITIES", "EXPORTS", "SCHEMAS", "SPANISH_HEADERS", "CsvFormatError", "CsvLines", "CsvTable", "column_for_header", "discard_upload", "export_rows", "import_table",
    "ImportReport", "load_upload", "NotificationFilter", "read_csv", "save_upload", "validate_table",
]
