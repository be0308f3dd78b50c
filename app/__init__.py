"""Avisos: notification orchestration for car-repair workshops."""

from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from app import audit, models  # noqa: F401  (models: registers every table with the metadata)
from app.api import register_api
from app.api.json_body import StrictJSONProvider
from app.cli import register_commands
from app.config import ROOT, Config, normalise_database_url
from app.console import init_console
from app.db_health import install_checkout_check
from app.errors import register_error_handlers
from app.extensions import db, migrate
from app.health import health_bp
from app.public import public_bp
from app.queue import init_queue


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, CLI."""
    settings = Config()
    for key, value in (overrides or {}).items():
        setattr(settings, key, value)
    if overrides and "DATABASE_URL" in overrides:
        settings.SQLALCHEMY_DATABASE_URI = normalise_database_url(overrides["DATABASE_URL"])
        settings.SQLALCHEMY_ENGINE_OPTIONS = settings._engine_options()
    settings.finalise()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping({k: v for k, v in vars(settings).items() if k.isupper()})
    if app.config["TRUSTED_PROXY_COUNT"] > 0:
        # The client's address (sign-in and compat limits, logs) and scheme come from the proxies' headers.
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = False
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    with app.app_context():
        _configure_sqlite(db.engine)
        install_checkout_check(db.engine)

    audit.init_app(app)
    register_error_handlers(app)
    register_api(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(public_bp)
    init_console(app)
    register_commands(app)
    init_queue(app)
    return app


def _configure_sqlite(engine) -> None:
    """SQLite enforces foreign keys and allows concurrent readers only when asked."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragma(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
