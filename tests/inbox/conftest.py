"""Inbound WhatsApp tests: the app served over HTTP so the Evolution peer posts to the real receiver."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from tests import factories as f

SECRET = "evo-inbound-secret"
WEBHOOK_PATH = "/api/internal/v1/providers/evolution/webhook/"


@pytest.fixture(scope="session")
def _inbound_server(_shared_app):
    """The shared test app on a free loopback port (werkzeug, threaded)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _shared_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="inbound-receiver", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def receiver_url(app, peers_configured, _inbound_server) -> str:
    """Our Evolution webhook URL (secret in the query, as Evolution is configured)."""
    app.config["EVOLUTION_WEBHOOK_SECRET"] = SECRET
    return f"{_inbound_server}{WEBHOOK_PATH}?secret={SECRET}"


@pytest.fixture
def carlos(app):
    """The catalog, a customer whose WhatsApp is written as staff type it, every channel on."""
    setup = f.basic_setup()
    customer = f.customer(phone="", whatsapp="099 123 4567", email="carlos@example.com")
    db.session.commit()
    return setup, customer


def reload_all() -> None:
    db.session.expire_all()
