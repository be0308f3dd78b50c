"""Flask CLI commands (`flask --app wsgi <command>`), one module per group."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from app.cli import data, delivery, seed, setup

    for command in (*setup.COMMANDS, *delivery.COMMANDS, *data.COMMANDS, seed.seed_initial_data_command):
        app.cli.add_command(command)
