"""GET /api/v1/health/database/ in the reference's shape (never the password)."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from app.api.blueprints import api_v1
from app.api.openapi import doc
from app.api.schemas.events import DatabaseHealthOut
from app.extensions import db


@api_v1.get("/health/database/")
@doc(("Health",), model=DatabaseHealthOut, other={503: DatabaseHealthOut}, auth=False)
def database_health():
    """Database connection status (no credentials needed)."""
    url = db.engine.url
    info = {
        "engine": "postgresql" if url.get_backend_name() == "postgresql" else url.get_backend_name(),
        "name": url.database, "host": url.host, "port": url.port, "user": url.username,
        "version": None, "is_supabase": bool(url.host and "supabase" in url.host),
    }
    options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    connection = {"max_age": options.get("pool_recycle"), "health_checks_enabled": bool(options.get("pool_pre_ping"))}
    try:
        if info["engine"] == "postgresql":
            info["version"] = db.session.execute(text("select version()")).scalar()
        else:
            info["version"] = "SQLite " + db.session.execute(text("select sqlite_version()")).scalar()
        db.session.rollback()
    except Exception as err:  # noqa: BLE001 - report, never raise
        db.session.rollback()
        return jsonify({"status": "unhealthy", "database": info, "connection": connection,
                        "error": type(err).__name__}), 503
    return jsonify({"status": "healthy", "database": info, "connection": connection})
