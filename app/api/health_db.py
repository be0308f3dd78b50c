"""GET /api/v1/health/database/ in the reference's shape (never the password).

Anyone gets the status; engine, host, port, user and server version (what an attacker would like to
know) only a caller whose API key or core JWT has the read scope."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from app.api.auth import authenticate, presents_credentials
from app.api.blueprints import api_v1
from app.api.openapi import doc
from app.api.schemas.events import DatabaseHealthOut
from app.extensions import db

# Either no credentials (status only) or a key / JWT with the read scope (the details too).
_OPTIONAL_AUTH = [{}, {"ApiKeyHeader": []}, {"ApiKeyAuthorization": []}, {"CoreJWT": []}]


@api_v1.get("/health/database/")
@doc(("Health",), model=DatabaseHealthOut, errors=(401, 403), other={503: DatabaseHealthOut}, auth=False,
     security=_OPTIONAL_AUTH)
def database_health():
    """Database connection status; the details need the read scope."""
    detailed = presents_credentials()
    if detailed:
        authenticate("read")
    try:
        version = _server_version()
        db.session.rollback()
    except Exception as err:  # noqa: BLE001 - report, never raise
        db.session.rollback()
        body = {"status": "unhealthy", **(_details(None) if detailed else {}), "error": type(err).__name__}
        return jsonify(body), 503
    return jsonify({"status": "healthy", **(_details(version) if detailed else {})})


def _server_version() -> str:
    if db.engine.url.get_backend_name() == "postgresql":
        return db.session.execute(text("select version()")).scalar()
    return "SQLite " + db.session.execute(text("select sqlite_version()")).scalar()


def _details(version: str | None) -> dict:
    url = db.engine.url
    options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    return {
        "database": {
            "engine": url.get_backend_name(), "name": url.database, "host": url.host, "port": url.port,
            "user": url.username, "version": version, "is_supabase": bool(url.host and "supabase" in url.host),
        },
        "connection": {"max_age": options.get("pool_recycle"),
                       "health_checks_enabled": bool(options.get("pool_pre_ping"))},
    }
