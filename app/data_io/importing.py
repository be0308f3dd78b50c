"""Validate a whole CSV file, then upsert it by natural key in one transaction.

Every row is validated (format, then references: a vehicle's customer, a reminder's vehicle and
service type) before anything is written. With errors, nothing is written unless `skip_invalid`,
which writes the valid rows and reports the rejects. A dry run does the writes and rolls back, so
its counts of created and updated rows are exact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import sync
from app.data_io import reminders
from app.data_io.reading import CsvTable
from app.data_io.schemas import SCHEMAS, RowError, column_for_header, header_errors, parse_row
from app.extensions import db
from app.models import Customer

log = logging.getLogger(__name__)

ENTITIES = tuple(SCHEMAS)
CHUNK = 500
Progress = Callable[[int], None]

APPLY: dict[str, Callable[[Sequence[BaseModel]], sync.SyncOutcome]] = {
    "customers": sync.apply_customers,
    "vehicles": sync.apply_vehicles,
    "reminders": reminders.apply_reminders,
}


@dataclass
class ImportReport:
    """What an import found and did."""

    entity: str
    total: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    skipped_stale: int = 0
    written: bool = False
    dry_run: bool = False

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line > 1})

    def summary(self) -> dict:
        return {
            "entity": self.entity, "rows": self.total, "valid": self.valid, "rejected": len(self.rejected_lines),
            "created": self.created, "updated": self.updated, "skipped_stale": self.skipped_stale,
            "written": self.written, "dry_run": self.dry_run,
        }


def validate_table(entity: str, table: CsvTable, progress: Progress | None = None) -> tuple[list, ImportReport]:
    """Validate every row. Returns ([(line, item)] of the valid rows, report with the errors)."""
    schema = SCHEMAS[entity]
    table = _english_columns(table)
    report = ImportReport(entity, total=len(table.rows))
    report.errors, report.warnings = header_errors(schema, table.header)
    if report.errors:
        return [], report
    valid: list[tuple[int, BaseModel]] = []
    for line, row in table.rows:
        item, errors = parse_row(schema, line, row)
        report.errors.extend(errors)
        if item is not None:
            valid.append((line, item))
        if progress:
            progress(1)
    valid = _check_references(entity, valid, report)
    report.valid = len(valid)
    return valid, report


def _english_columns(table: CsvTable) -> CsvTable:
    """Spanish headers (the console's exports) read as the columns they name."""
    names = {name: column_for_header(name) for name in table.header}
    if all(name == column for name, column in names.items()):
        return table
    renamed = CsvTable(header=[names[name] for name in table.header], delimiter=table.delimiter)
    renamed.rows = [(line, {names.get(key, key): value for key, value in row.items()}) for line, row in table.rows]
    return renamed


def _check_references(entity: str, valid: list, report: ImportReport) -> list:
    """Rows pointing at customers, vehicles or service types that are not stored are errors."""
    if entity == "vehicles":
        known = _stored_customer_ids({item.customer_id for _, item in valid})
        bad = {line: RowError(line, "customer_id", f"Customer '{item.customer_id}' is not synced.")
               for line, item in valid if item.customer_id not in known}
    elif entity == "reminders":
        plates = reminders.vehicles_by_plate(item.plate for _, item in valid)
        types = reminders.service_types_by_slug(item.service_type or "" for _, item in valid)
        bad = {}
        for line, item in valid:
            if item.plate not in plates:
                bad[line] = RowError(line, "plate", f"Vehicle {item.plate} is not synced.")
            elif item.service_type and item.service_type not in types:
                bad[line] = RowError(line, "service_type", f"No service type '{item.service_type}'.")
    else:
        return valid
    report.errors.extend(bad.values())
    report.errors.sort(key=lambda e: (e.line, e.column))
    return [(line, item) for line, item in valid if line not in bad]


def _stored_customer_ids(refs: set[str]) -> set[str]:
    found: set[str] = set()
    refs_list = sorted(refs)
    for start in range(0, len(refs_list), CHUNK):
        part = refs_list[start:start + CHUNK]
        found.update(db.session.scalars(select(Customer.customer_id).where(Customer.customer_id.in_(part))))
    return found


def import_table(entity: str, table: CsvTable, *, dry_run: bool = False, skip_invalid: bool = False,
                 progress: Progress | None = None) -> ImportReport:
    """Validate, then write the rows (all, or the valid ones with `skip_invalid`) in one commit."""
    valid, report = validate_table(entity, table, progress)
    report.dry_run = dry_run
    if (report.errors and not skip_invalid) or not valid:
        return report
    try:
        applied = _apply(entity, valid, report, progress)
    except IntegrityError as err:
        db.session.rollback()
        log.warning("csv import of %s conflicted with another writer: %s", entity, err.orig)
        report.errors.append(RowError(0, "", "Another writer changed the same rows; run the import again."))
        return report
    if dry_run or (report.errors and not skip_invalid):
        db.session.rollback()
        return report
    db.session.commit()
    report.written = True
    if entity == "customers":
        sync.plan_waiting_for(applied)
    return report


def _apply(entity: str, valid: list, report: ImportReport, progress: Progress | None) -> list[str]:
    applied: list[str] = []
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start:start + CHUNK]
        outcome = APPLY[entity]([item for _, item in chunk])
        db.session.flush()
        report.created += outcome.created
        report.updated += outcome.updated
        report.skipped_stale += len(outcome.skipped)
        applied.extend(outcome.applied + outcome.skipped)
        for error in outcome.errors:
            line = chunk[error["index"]][0]
            report.errors.append(RowError(line, "", error["message"]))
        if progress:
            progress(len(chunk))
    return applied
