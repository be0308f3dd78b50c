"""Flask CLI commands (`flask --app wsgi <command>`), one module per group."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from app.cli import delivery, setup

    for command in (*setup.COMMANDS, *delivery.COMMANDS):
        app.cli.add_command(command)
    try:
        from app.cli import seed

        app.cli.add_command(seed.seed_initial_data_command)
    except ImportError:  # the seed module is optional while it is being written
        pass
