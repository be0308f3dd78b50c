"""JSON API: /api/v1 (API keys) and /api/internal/v1 (shared secret). One module per resource."""

from __future__ import annotations

from flask import Blueprint, Flask

api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")
internal_v1 = Blueprint("internal_v1", __name__, url_prefix="/api/internal/v1")


def _register_text_guard() -> None:
    from app.api.storable_text import reject_unstorable_text

    api_v1.before_request(reject_unstorable_text)
    internal_v1.before_request(reject_unstorable_text)


_register_text_guard()


def register_api(app: Flask) -> None:
    # Importing the resource modules attaches their routes to the two blueprints.
    from app.api import (  # noqa: F401
        analytics,
        catalog,
        customers,
        events,
        health_db,
        integrations,
        internal_phases,
        internal_sync,
        orchestration,
        provider_receipts,
        push,
        reminders,
        templates,
        vehicles,
        webhooks,
    )
    from app.api.cors import init_cors
    from app.api.limits import init_limiter
    from app.api.openapi import docs_bp

    init_limiter(app)
    init_cors(app)
    app.register_blueprint(api_v1)
    app.register_blueprint(internal_v1)
    app.register_blueprint(docs_bp)
