"""One error shape for the JSON API; HTML elsewhere.

Every 4xx under /api/ answers {"error": {"code", "message", "fields"}, "detail"} and never an HTML page,
except on the paths in FLAT_ERROR_PATHS: there the reference's clients read `error` as a string (the
Ambacar PWA shows `data.error || data.detail`), so `error` and `detail` are one readable sentence and
the code and fields move to `code` and `fields` (docs/CLIENTS.md).
"""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, current_app, has_request_context, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from app.db_health import is_transient

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A client error with a JSON body naming the fields and the problem."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def pydantic_fields(err: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors by field name. A model-level error written "field: message" is filed under
    that field; an unknown field is reported as not accepted."""
    fields: dict[str, list[str]] = {}
    for item in err.errors():
        name = ".".join(str(p) for p in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "This field is not accepted here."
        elif not item["loc"] and ": " in message and message.split(": ", 1)[0].isidentifier():
            name, message = message.split(": ", 1)
        fields.setdefault(name, []).append(message)
    return fields


FLAT_ERROR_PATHS = frozenset({"/api/v1/notifications/events/dispatch/"})


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The JSON body of an API error (the flat shape on FLAT_ERROR_PATHS)."""
    if has_request_context() and request.path in FLAT_ERROR_PATHS:
        readable = readable_error(message, fields)
        return {"error": readable, "detail": readable, "code": code, "fields": fields or {}}
    return {"error": {"code": code, "message": message, "fields": fields or {}}, "detail": message}


def readable_error(message: str, fields: dict | None) -> str:
    """The message followed by each field's problems, in one line a person can read."""
    parts = []
    for name, problems in (fields or {}).items():
        items = problems if isinstance(problems, (list, tuple)) else [problems]
        parts.append(f"{name}: {' '.join(str(p) for p in items)}")
    if not parts:
        return message
    return f"{message.rstrip('.')} ({'; '.join(parts)})"


def api_error_response(err: ApiError):
    return jsonify(error_body(err.code, err.message, err.fields)), err.status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def html_error_page(err: HTTPException):
    """A styled page in the console's language for an HTTP error (redirects pass through)."""
    if err.code is None or err.code < 400:
        return err
    headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
    return _page(err.code, headers)


def _page(status: int, headers=None):
    # The console registers its styled page (app/console/error_pages.py); an app without it answers text.
    render = current_app.extensions.get("html_error_page")
    try:
        if render is None:
            return "Error", status, headers or {}
        return render(status), status, headers or {}
    except Exception:  # the page itself failed (no app context, template error): plain text
        log.exception("error page could not be rendered")
        return "Error", status, headers or {}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, api_error_response)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if not _wants_json():
            return html_error_page(err)
        code = (err.name or "error").lower().replace(" ", "_")
        response = jsonify(error_body(code, err.description or err.name))
        response.status_code = err.code or 500
        if err.code == 405 and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    @app.errorhandler(psycopg.Error)
    def _database_error(err: Exception):
        # A lost connection or a database that is not answering is the server's trouble of the
        # moment: 503 with Retry-After, never 500 (the pool has already discarded the connection).
        if not is_transient(err):
            return _unexpected(err)
        # The driver's own first line only: the statement and its parameters stay out of the log.
        orig = getattr(err, "orig", None) or err
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        log.error("database unavailable on %s %s: %s", request.method, request.path, reason)
        if not _wants_json():
            return _page(503, {"Retry-After": "5"})
        response = jsonify(error_body("database_unavailable",
                                      "The database is not answering; retry in a few seconds."))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _wants_json():
            return _page(500)
        return jsonify(error_body("internal_error", "Error interno; el equipo de operaciones fue notificado.")), 500
