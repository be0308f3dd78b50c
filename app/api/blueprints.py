"""The two API blueprints the resource modules attach their routes to: /api/v1 (API keys) and
/api/internal/v1 (shared secret). Text PostgreSQL cannot store is refused before any view runs."""

from __future__ import annotations

from flask import Blueprint

from app.api.storable_text import reject_unstorable_text

api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")
internal_v1 = Blueprint("internal_v1", __name__, url_prefix="/api/internal/v1")

api_v1.before_request(reject_unstorable_text)
internal_v1.before_request(reject_unstorable_text)
