"""Flask CLI commands (`flask --app wsgi <command>`), one module per group."""

from __future__ import annotations

from flask import Flask

from app.cli import data, delivery, seed, setup


def register_commands(app: Flask) -> None:
    for command in (*setup.COMMANDS, *delivery.COMMANDS, *data.COMMANDS, seed.seed_initial_data_command):
        app.cli.add_command(command)
