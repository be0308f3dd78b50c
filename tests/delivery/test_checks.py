"""Test sends: a template rendered with sample values goes out once through its channel."""

import pytest

from app import delivery
from app.extensions import db
from app.models import NotificationTemplate
from tests import factories


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def test_send_test_whatsapp_reaches_evolution(setup, peers_configured):
    template = setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"]
    result = delivery.send_template_test(template, "+593991112233")
    assert result.ok
    sent = peers_configured["evolution"].sent[-1]
    assert "Carlos Mendoza" in str(sent)


def test_send_test_email_fails_cleanly_without_a_server(setup):
    result = delivery.send_template_test(setup.templates["mantenimiento-preventivo:phase-repair:email"], "a@b.ec")
    assert not result.ok and result.outcome in ("transient", "permanent")
    assert db.session.query(NotificationTemplate).count() == 30
