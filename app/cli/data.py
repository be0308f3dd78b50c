"""CSV import and export: `flask --app wsgi import customers FILE.csv`, `flask --app wsgi export ...`."""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext

from app import data_io
from app.channels import CHANNELS
from app.models.enums import NotificationStatus

MAX_ERRORS_SHOWN = 200


@click.command("import")
@click.argument("entity", type=click.Choice(data_io.ENTITIES))
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Validate and count, write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows and print the rejected ones.")
@with_appcontext
def import_command(entity: str, file, dry_run: bool, skip_invalid: bool) -> None:
    """Import ENTITY (customers, vehicles, reminders) from a CSV file, upserting by natural key.

    Every row is validated first; with any invalid row nothing is written (unless --skip-invalid).
    Exit code 1 when rows were rejected.
    """
    try:
        table = data_io.read_csv(file.read())
    except data_io.CsvFormatError as err:
        raise click.ClickException(str(err)) from None
    with click.progressbar(length=2 * len(table.rows), label=f"Importing {entity}", file=sys.stderr) as bar:
        report = data_io.import_table(entity, table, dry_run=dry_run, skip_invalid=skip_invalid, progress=bar.update)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"error: {error}", err=True)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more errors", err=True)
    if report.errors and not report.written and not dry_run:
        click.echo("Nothing was written (fix the rows or pass --skip-invalid).", err=True)
    click.echo(json.dumps(report.summary()))
    if report.errors:
        sys.exit(1)


@click.command("export")
@click.argument("entity", type=click.Choice(tuple(data_io.EXPORTS)))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="File to write (default: standard output).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True)
@click.option("--bom", is_flag=True, help="Start with a UTF-8 BOM (for Excel).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Notifications created on or after this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Notifications created on or before this date.")
@click.option("--status", type=click.Choice(NotificationStatus.ALL), help="Notifications with this status.")
@click.option("--channel", type=click.Choice(CHANNELS), help="Notifications on this channel.")
@with_appcontext
def export_command(entity: str, output, delimiter: str, bom: bool, since, until, status, channel) -> None:
    """Export ENTITY (customers, vehicles, reminders, notifications) as CSV."""
    filters = data_io.NotificationFilter(since=_day(since), until=_day(until), status=status, channel=channel)
    for chunk in data_io.export_rows(entity, delimiter=delimiter, bom=bom, filters=filters):
        output.write(chunk)


def _day(value) -> date | None:
    return value.date() if value else None


COMMANDS = (import_command, export_command)
