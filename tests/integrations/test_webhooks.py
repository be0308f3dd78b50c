"""Outbound webhooks end to end against a real receiver that verifies with `standardwebhooks`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import delivery, integrations
from app.extensions import db
from app.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.models.base import utcnow

EVENT = ("notification.sent", {"notification_id": "n-1", "channel": "email", "status": "sent"})


@pytest.fixture(autouse=True)
def loopback_allowed(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    integrations.invalidate_subscriptions()
    yield
    integrations.invalidate_subscriptions()


@pytest.fixture
def endpoint(webhook_receiver):
    row, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent", "notification.failed"],
                                            "ERP")
    webhook_receiver.secrets = [secret]
    return row


def _messages() -> list[WebhookMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookMessage).order_by(WebhookMessage.created_at)))


def _time_passes() -> None:
    """Make every scheduled retry due now (instead of waiting for it)."""
    db.session.execute(update(WebhookMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_secret_is_whsec_and_never_stored_in_clear(app, webhook_receiver):
    row, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    assert secret.startswith("whsec_")
    assert secret not in row.secret_encrypted and secret != row.secret_hint
    assert integrations.signing_secrets(row) == [secret]


def test_published_event_arrives_signed_and_verifiable(app, endpoint, webhook_receiver):
    integrations.publish([EVENT])

    [got] = webhook_receiver.received
    assert got.verified
    assert got.json["type"] == "notification.sent" and got.json["data"]["notification_id"] == "n-1"
    assert got.json["timestamp"].endswith("Z")
    assert got.headers["webhook-id"].startswith("msg_")
    [message] = _messages()
    assert message.status == "delivered" and message.webhook_id == got.headers["webhook-id"]


def test_every_attempt_is_logged_with_code_duration_and_excerpt(app, endpoint, webhook_receiver):
    webhook_receiver.ok_status = 200
    integrations.publish([EVENT])

    [attempt] = db.session.scalars(select(WebhookAttempt)).all()
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "ok", 200)
    assert attempt.duration_ms >= 0 and '"received": true' in attempt.response_excerpt


def test_unsubscribed_event_type_is_not_sent(app, endpoint, webhook_receiver):
    integrations.publish([("customer.synced", {"customer_id": "C1"})])

    assert webhook_receiver.received == [] and _messages() == []


def test_publish_with_no_endpoints_writes_nothing(app):
    integrations.publish([EVENT])

    assert _messages() == []


def test_one_message_per_subscribed_endpoint(app, endpoint, webhook_receiver):
    integrations.create_endpoint(webhook_receiver.endpoint + "/2", ["notification.sent"])

    integrations.publish([EVENT, ("notification.failed", {"notification_id": "n-2"})])

    assert sorted(m.event_type for m in _messages()) == ["notification.failed", "notification.sent",
                                                        "notification.sent"]


def test_failing_receiver_is_retried_on_the_schedule_until_it_recovers(app, endpoint, webhook_receiver):
    webhook_receiver.fail_next(2)
    before = utcnow()
    integrations.publish([EVENT])
    after = utcnow()
    [message] = _messages()
    assert message.status == "retrying"
    assert before + timedelta(seconds=5) <= message.next_attempt_at <= after + timedelta(seconds=5)

    _time_passes()
    delivery.sweep()
    [message] = _messages()
    assert message.status == "retrying"
    assert timedelta(minutes=4) < message.next_attempt_at - utcnow() <= timedelta(minutes=5)

    _time_passes()
    delivery.sweep()
    [message] = _messages()
    assert message.status == "delivered" and message.attempts == 3
    codes = [a.status_code for a in db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.number))]
    assert codes == [500, 500, 204]
    assert len({r.headers["webhook-id"] for r in webhook_receiver.received}) == 1
    assert all(r.verified for r in webhook_receiver.received)


def test_retry_not_due_yet_is_not_sent(app, endpoint, webhook_receiver):
    webhook_receiver.fail_next(1)
    integrations.publish([EVENT])

    delivery.sweep()

    assert len(webhook_receiver.received) == 1


def test_message_fails_when_the_schedule_is_exhausted(app, endpoint, webhook_receiver):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = [0, 5]
    webhook_receiver.fail_next(5)
    integrations.publish([EVENT])
    _time_passes()
    integrations.deliver_due_webhooks()

    [message] = _messages()
    assert message.status == "failed" and message.attempts == 2 and message.last_error == "http_500"


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(app, endpoint, webhook_receiver):
    old = webhook_receiver.secrets[0]
    new = integrations.rotate_secret(endpoint)
    webhook_receiver.secrets = [old, new]

    integrations.publish([EVENT])
    endpoint.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    integrations.publish([EVENT])

    assert [r.verified_by for r in webhook_receiver.received] == [(0, 1), (1,)]


def test_endpoint_failing_for_five_days_is_disabled(app, endpoint, webhook_receiver):
    endpoint.failing_since = utcnow() - timedelta(days=5, minutes=1)
    db.session.commit()
    webhook_receiver.fail_next(1)

    integrations.publish([EVENT])
    integrations.publish([EVENT])

    db.session.refresh(endpoint)
    assert endpoint.disabled_at is not None and not endpoint.active
    assert "5 días" in endpoint.disabled_reason
    assert len(webhook_receiver.received) == 1


def test_success_ends_the_failure_streak(app, endpoint, webhook_receiver):
    endpoint.failing_since = utcnow() - timedelta(days=4)
    db.session.commit()

    integrations.publish([EVENT])

    db.session.refresh(endpoint)
    assert endpoint.failing_since is None and endpoint.disabled_at is None


def test_resend_delivers_the_same_message_again(app, endpoint, webhook_receiver):
    integrations.publish([EVENT])
    [message] = _messages()

    integrations.resend_webhook(message)

    first, second = webhook_receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    assert _messages()[0].attempts == 2


def test_retry_failed_since_only_retries_failed_messages_from_then(app, endpoint, webhook_receiver):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = [0]
    webhook_receiver.fail_next(2)
    integrations.publish([EVENT])
    integrations.publish([EVENT])
    old, recent = _messages()
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()

    count = integrations.retry_failed_webhooks(endpoint, utcnow() - timedelta(days=1))

    assert count == 1
    assert {m.id: m.status for m in _messages()} == {old.id: "failed", recent.id: "delivered"}


def test_message_stuck_in_sending_is_recovered_and_sent(app, endpoint, webhook_receiver):
    webhook_receiver.fail_next(1)
    integrations.publish([EVENT])
    db.session.execute(update(WebhookMessage).values(status="sending", claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()

    integrations.deliver_due_webhooks()

    assert _messages()[0].status == "delivered"


def test_publish_never_raises_when_redis_is_down(app, endpoint, webhook_receiver):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"

    integrations.publish([EVENT])

    assert len(webhook_receiver.received) == 1


def test_disabled_endpoint_pending_messages_fail_without_sending(app, endpoint, webhook_receiver):
    app.extensions["avisos_jobs"].mode = "manual"
    integrations.publish([EVENT])
    integrations.set_active(endpoint, False)
    app.extensions["avisos_jobs"].mode = "inline"

    integrations.deliver_due_webhooks()

    assert webhook_receiver.received == []
    assert _messages()[0].last_error == "endpoint_disabled"


def test_disabled_endpoint_gets_no_new_messages(app, endpoint, webhook_receiver):
    integrations.set_active(endpoint, False)

    integrations.publish([EVENT])

    assert _messages() == [] and db.session.get(WebhookEndpoint, endpoint.id).active is False
