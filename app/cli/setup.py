"""Setting Avisos up: quickstart (embedded), serve, API keys, console users."""

from __future__ import annotations

import secrets
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from werkzeug.serving import run_simple

from app import delivery
from app.api.auth import generate_api_key
from app.catalog import seed_initial_data
from app.config import ROOT
from app.extensions import db
from app.models import User
from app.models.access import ROLES
from app.models.base import utcnow
from app.queue import start_embedded_scheduler

DEMO_ADMIN_EMAIL = "admin@avisos.local"


@click.command("create-api-key")
@click.argument("name")
@click.option("--scopes", default="dispatch read", show_default=True, help="Space-separated: dispatch read manage push")
@click.option("--expires-days", type=int, default=None, help="Expire after this many days (default: never).")
@with_appcontext
def create_api_key_command(name: str, scopes: str, expires_days: int | None) -> None:
    """Create an API key; the key is printed once, alone on the last line."""
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    row, raw = generate_api_key(name, scopes=scopes, expires_at=expires)
    db.session.commit()
    click.echo(f"API key '{name}' created (prefix {row.prefix}, scopes: {scopes}). Store it now; it is not shown again:")
    click.echo(raw)


def upsert_user(email: str, role: str, password: str) -> User:
    user = db.session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()
    if user is None:
        user = User(email=email.lower(), role=role, password_hash="")
        db.session.add(user)
    user.role = role
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    return user


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--password", default=None, help="For scripts; prompted when omitted.")
@with_appcontext
def create_user_command(email: str, role: str, password: str | None) -> None:
    """Create a console user (or reset an existing one's role and password)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.BadParameter("the password needs at least 10 characters", param_hint="--password")
    upsert_user(email, role, password)
    click.echo(f"User {email.lower()} ready with role {role}.")


def _demo_admin_password() -> str:
    path = ROOT / "instance" / "demo_admin_password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password


@click.command("quickstart")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@with_appcontext
def quickstart_command(host: str, port: int, no_serve: bool) -> None:
    """Embedded mode in one step: migrate, load the initial data, create a demo admin, serve."""
    upgrade()
    report = seed_initial_data(force=False)
    click.echo(report.summary())
    password = _demo_admin_password()
    if db.session.execute(select(User).where(User.email == DEMO_ADMIN_EMAIL)).scalar_one_or_none() is None:
        upsert_user(DEMO_ADMIN_EMAIL, "admin", password)
    click.echo(f"Demo admin: {DEMO_ADMIN_EMAIL} / {password}")
    click.echo(f"Internal API secret (X-Internal-Secret): stored in {ROOT / 'instance' / 'internal_api_secret'}")
    if not no_serve:
        _serve(host, port)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve with in-process jobs and the embedded scheduler (no Redis needed)."""
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    app = current_app._get_current_object()
    if app.config["JOBS_MODE"] != "rq":
        delivery.start_embedded_watch(app)  # rows the previous run left claimed, then every few seconds
        start_embedded_scheduler(app)
    click.echo(f"Avisos on http://{host}:{port} (jobs: {app.config['JOBS_MODE']})")
    # Werkzeug's threaded server: fine for one workshop; production uses gunicorn (Procfile).
    run_simple(host, port, app, threaded=True, use_reloader=False)


COMMANDS = (create_api_key_command, create_user_command, quickstart_command, serve_command)
