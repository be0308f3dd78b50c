"""The migration tests' app: a database of its own, migrated step by step by each test (SQLite
locally, a sibling of the test database on PostgreSQL in CI mode)."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import BASE_OVERRIDES, _recreate_postgres_database


@pytest.fixture
def migration_app(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    else:
        url = f"{database_url}_migration"
        _recreate_postgres_database(url)
    app = create_app({**BASE_OVERRIDES, "DATABASE_URL": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
