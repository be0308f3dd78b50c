"""JSON API: /api/v1 (API keys) and /api/internal/v1 (shared secret). One module per resource."""

from __future__ import annotations

from flask import Flask

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
    policies,
    provider_receipts,
    push,
    reminders,
    templates,
    vehicles,
    webhooks,
)
from app.api.blueprints import api_v1, internal_v1
from app.api.cors import init_cors
from app.api.limits import init_limiter
from app.api.openapi import docs_bp


def register_api(app: Flask) -> None:
    init_limiter(app)
    init_cors(app)
    app.register_blueprint(api_v1)
    app.register_blueprint(internal_v1)
    app.register_blueprint(docs_bp)
