"""`flask --app wsgi seed-initial-data [--force]`: phases, service types, templates and matrix."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.catalog import seed_initial_data


@click.command("seed-initial-data")
@click.option(
    "--force", is_flag=True,
    help="Restore the seeded rows to their defaults (overwrites staff edits to global templates and configs).",
)
@with_appcontext
def seed_initial_data_command(force: bool) -> None:
    """Load the initial data; safe to re-run (only what is missing is created)."""
    report = seed_initial_data(force=force)
    click.echo(report.summary())
