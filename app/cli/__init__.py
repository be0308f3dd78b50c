"""Flask CLI commands (`flask --app wsgi <command>`), one module per group."""

from __future__ import annotations

from functools import wraps

import click
from flask import Flask

from app import audit
from app.cli import data, delivery, seed, setup


def register_commands(app: Flask) -> None:
    for command in (*setup.COMMANDS, *delivery.COMMANDS, *data.COMMANDS, seed.seed_initial_data_command):
        app.cli.add_command(_as_cli_actor(command))


# Processes that run jobs or serve requests: what their jobs change is the system's, not "cli".
PROCESS_COMMANDS = ("worker", "scheduler", "serve")


def _as_cli_actor(command: click.Command) -> click.Command:
    """What the command changes is recorded in the audit log as made by "cli"."""
    callback = command.callback
    if callback is None or command.name in PROCESS_COMMANDS or getattr(callback, "audit_cli", False):
        return command

    @wraps(callback)
    def run(*args, **kwargs):
        with audit.actor_scope(audit.CLI):
            return callback(*args, **kwargs)

    run.audit_cli = True
    command.callback = run
    return command
