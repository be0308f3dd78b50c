"""Fixtures for the API tests."""

from __future__ import annotations

import pytest

from tests.api.pwa import pwa_settings
from tests.conftest import BASE_OVERRIDES


@pytest.fixture(scope="session")
def _pwa_app(make_app, vapid_keys):
    # CORS is set up when the app is built, so the PWA's configuration needs an app of its own.
    return make_app(**pwa_settings(vapid_keys, BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"]))


@pytest.fixture
def pwa_app(app, _pwa_app):
    """An app configured as contract §1.2 says (compat mode, CORS, core JWT, VAPID), on the test
    database; `app` cleans the database afterwards."""
    from app.api.auth import forget_cached_keys
    from app.api.compat import forget_ignored_tokens

    forget_cached_keys()
    forget_ignored_tokens()
    _pwa_app.extensions["avisos_jobs"].mode = "inline"
    with _pwa_app.app_context():
        yield _pwa_app
        from app.extensions import db

        db.session.remove()
