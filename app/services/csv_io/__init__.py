"""CSV import and export of customers, vehicles, reminders (and notifications, export only).

reading.py parses a file (UTF-8 with or without BOM, ';' or ',' separated); schemas.py turns each
row into a validated item or errors by line and column; importing.py validates a whole file and
upserts it by natural key with the sync rules of app/services/sync.py; exporting.py streams CSV
through cells.py, the one writer of every export (formula cells neutralised).
"""

from app.services.csv_io.cells import CsvLines
from app.services.csv_io.exporting import EXPORTS, export_rows
from app.services.csv_io.importing import ENTITIES, ImportReport, import_table, validate_table
from app.services.csv_io.reading import CsvFormatError, CsvTable, read_csv

__all__ = [
    "ENTITIES", "EXPORTS", "CsvFormatError", "CsvLines", "CsvTable", "ImportReport", "export_rows", "import_table",
    "read_csv", "validate_table",
]
