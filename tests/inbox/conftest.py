"""Inbound WhatsApp tests: the app served over HTTP so the Evolution peer posts to the real receiver."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories as f
from tests.browser.conftest import _server  # noqa: F401 - the app served over HTTP, as for the browser

SECRET = "evo-inbound-secret"
WEBHOOK_PATH = "/api/internal/v1/providers/evolution/webhook/"


@pytest.fixture
def receiver_url(app, peers_configured, _server) -> str:
    """Our Evolution webhook URL (secret in the query, as Evolution is configured)."""
    app.config["EVOLUTION_WEBHOOK_SECRET"] = SECRET
    return f"{_server}{WEBHOOK_PATH}?secret={SECRET}"


@pytest.fixture
def carlos(app):
    """The catalog, a customer whose WhatsApp is written as staff type it, every channel on."""
    setup = f.basic_setup()
    customer = f.customer(phone="", whatsapp="099 123 4567", email="carlos@example.com")
    db.session.commit()
    return setup, customer


def reload_all() -> None:
    db.session.expire_all()
