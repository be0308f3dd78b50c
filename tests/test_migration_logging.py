"""Issue #14: a 500 in the quickstart server left no traceback in its terminal, because running the
migrations (Alembic's fileConfig) disabled every logger created before it. migrations/env.py passes
disable_existing_loggers=False; this keeps it so."""

from __future__ import annotations

import logging

from flask_migrate import upgrade


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_server_error_after_the_migrations_still_logs_its_traceback(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'quickstart.db'}", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom in a page")

    with app.app_context():
        upgrade()  # what `flask quickstart` runs before serving
    errors = logging.getLogger("app.errors")
    assert errors.disabled is False
    seen = _Records()  # Alembic's fileConfig replaced the root handlers (pytest's capture among them)
    errors.addHandler(seen)
    try:
        response = app.test_client().get("/boom")
    finally:
        errors.removeHandler(seen)
    assert response.status_code == 500
    record = next(r for r in seen.records if r.name == "app.errors")
    assert record.exc_info is not None and "boom in a page" in str(record.exc_info[1])
