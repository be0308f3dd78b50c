"""Console page Integraciones: dashboard, endpoints with the secret shown once, log, re-sends."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import integrations
from app.extensions import db
from app.models import WebhookEndpoint, WebhookMessage
from app.models.base import utcnow

PAGE = "/admin/integrations/"


@pytest.fixture(autouse=True)
def loopback_allowed(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]


def _create(admin, url):
    return admin.post(PAGE + "webhooks/new", data={"url": url, "description": "ERP",
                                                   "event_types": ["notification.sent", "sync.failed"]})


def test_dashboard_shows_every_integration(signed_in):
    html = signed_in("viewer").get(PAGE).get_data(as_text=True)

    for key in ("webhooks", "provider_receipts", "internal_sync", "pull_sync"):
        assert f'data-testid="summary-{key}"' in html
    assert 'data-testid="webhook-create"' not in html


def test_admin_creates_an_endpoint_and_sees_the_secret_once(signed_in, webhook_receiver):
    admin = signed_in("admin")

    html = _create(admin, webhook_receiver.endpoint).get_data(as_text=True)

    secret = re.search(r"(whsec_[A-Za-z0-9+/=]+)", html).group(1)
    webhook_receiver.secrets = [secret]
    assert secret not in admin.get(PAGE).get_data(as_text=True)
    integrations.publish([("notification.sent", {"notification_id": "n-1"})])
    assert webhook_receiver.received[0].verified


def test_operator_cannot_create_endpoints(signed_in, webhook_receiver):
    response = _create(signed_in("operator"), webhook_receiver.endpoint)

    assert response.status_code == 403 and db.session.scalars(select(WebhookEndpoint)).all() == []


def test_refused_url_is_reported_and_nothing_saved(app, signed_in):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = []
    admin = signed_in("admin")

    response = _create(admin, "http://127.0.0.1:9/hook")

    assert response.status_code == 302 and db.session.scalars(select(WebhookEndpoint)).all() == []
    assert "WEBHOOK_ALLOWED_HOSTS" in admin.get(PAGE).get_data(as_text=True)


def test_rotation_shows_the_new_secret(signed_in, webhook_receiver):
    endpoint, old = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])

    html = signed_in("admin").post(PAGE + f"webhooks/{endpoint.id}/rotate").get_data(as_text=True)

    new = re.search(r"(whsec_[A-Za-z0-9+/=]+)", html).group(1)
    assert new != old and "ambos firman" in html


def test_log_shows_attempts_and_resend_sends_again(signed_in, webhook_receiver):
    endpoint, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]
    webhook_receiver.fail_next(1, status=503)
    integrations.publish([("notification.sent", {})])
    message = db.session.scalars(select(WebhookMessage)).one()
    admin = signed_in("admin")

    html = admin.get(PAGE + f"webhooks/{endpoint.id}/").get_data(as_text=True)
    admin.post(PAGE + f"webhooks/{endpoint.id}/messages/{message.id}/resend")

    assert message.webhook_id in html and "503" in html
    assert [r.status for r in webhook_receiver.received] == [503, 204]


def test_retry_failed_since_requeues_failed_messages(app, signed_in, webhook_receiver):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = [0]
    endpoint, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]
    webhook_receiver.fail_next(1)
    integrations.publish([("notification.sent", {})])
    # The form takes the workshop's local time.
    since = (utcnow() - timedelta(hours=1)).astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")

    signed_in("admin").post(PAGE + f"webhooks/{endpoint.id}/retry-failed", data={"since": since})

    db.session.expire_all()
    assert db.session.scalars(select(WebhookMessage.status)).one() == "delivered"


def test_admins_are_told_when_an_endpoint_was_disabled(signed_in, webhook_receiver):
    endpoint, _ = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    endpoint.disabled_at, endpoint.active = utcnow(), False
    db.session.commit()
    admin = signed_in("admin")

    first = admin.get("/admin/").get_data(as_text=True)
    second = admin.get("/admin/").get_data(as_text=True)

    assert "se desactivó tras fallar 5 días" in first and "se desactivó" not in second


def test_disable_and_enable(signed_in, webhook_receiver):
    endpoint, _ = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    admin = signed_in("admin")

    admin.post(PAGE + f"webhooks/{endpoint.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).active is False
    admin.post(PAGE + f"webhooks/{endpoint.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).active is True


def test_stream_requires_sign_in(console):
    assert console.get("/admin/stream").status_code == 401


def test_stream_without_redis_answers_204(signed_in):
    assert signed_in("viewer").get("/admin/stream").status_code == 204
