"""CORS for the browsers in CORS_ORIGINS (exact origins or regular expressions) on /api/v1."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from app.api.compat import origin_patterns

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
HEADERS = ["Content-Type", "Authorization", "X-API-Key", "Idempotency-Key"]


def init_cors(app: Flask) -> None:
    origins = list(origin_patterns(tuple(app.config.get("CORS_ORIGINS") or ())))
    if not origins:
        return
    CORS(app, resources={r"/api/v1/.*": {"origins": origins}}, methods=METHODS, allow_headers=HEADERS,
         expose_headers=["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"], max_age=600)
