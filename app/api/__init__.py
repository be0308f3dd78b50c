"""JSON API: /api/v1 (API keys) and /api/internal/v1 (shared secret). One module per resource."""

from __future__ import annotations

from flask import Blueprint, Flask

api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")
internal_v1 = Blueprint("internal_v1", __name__, url_prefix="/api/internal/v1")


def register_api(app: Flask) -> None:
    # Importing the resource modules attaches their routes to the two blueprints.
    from app.api import events, health_db, internal_sync  # noqa: F401

    app.register_blueprint(api_v1)
    app.register_blueprint(internal_v1)
