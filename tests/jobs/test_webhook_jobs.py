"""Webhook delivery on the production path: RQ on a real Redis, a real SimpleWorker (PostgreSQL under CI)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from app import delivery, integrations
from app.extensions import db
from app.models import WebhookMessage
from app.models.base import utcnow

EVENT = ("notification.sent", {"notification_id": "n-1"})


@pytest.fixture
def rq_app(app, make_app, redis_url):
    """An app whose jobs go to Redis, on the same database as `app`."""
    rq_app = make_app(JOBS_MODE="rq", REDIS_URL=redis_url, WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"])
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    integrations.invalidate_subscriptions()
    with rq_app.app_context():
        yield rq_app
        db.session.remove()
    integrations.invalidate_subscriptions()


def run_worker(rq_app) -> None:
    jobs = rq_app.extensions["avisos_jobs"]
    SimpleWorker([jobs.queue("webhooks")], connection=jobs.redis).work(burst=True, with_scheduler=False)


def statuses() -> list[str]:
    db.session.expire_all()
    return [m.status for m in db.session.scalars(select(WebhookMessage))]


def test_publish_enqueues_and_a_worker_delivers_signed(rq_app, webhook_receiver):
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]

    integrations.publish([EVENT])
    assert statuses() == ["pending"] and webhook_receiver.received == []
    run_worker(rq_app)

    assert statuses() == ["delivered"] and webhook_receiver.received[0].verified


def test_failed_attempt_is_retried_by_the_sweep_after_its_delay(rq_app, webhook_receiver):
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]
    webhook_receiver.fail_next(1)
    integrations.publish([EVENT])
    run_worker(rq_app)
    assert statuses() == ["retrying"]

    db.session.execute(update(WebhookMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    from jobs.webhooks import sweep_webhooks

    sweep_webhooks()
    run_worker(rq_app)

    assert statuses() == ["delivered"] and [r.status for r in webhook_receiver.received] == [500, 204]


def test_redis_down_at_publish_leaves_the_message_for_the_sweep(rq_app, make_app, webhook_receiver):
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]
    down = make_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0", WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"])
    with down.app_context():
        integrations.publish([EVENT])
        db.session.remove()
    assert statuses() == ["pending"]

    delivery.sweep()
    run_worker(rq_app)

    assert statuses() == ["delivered"]
