"""The core's outbound events: one data shape for every notification.* event, whoever sends it."""

import json

import pytest
from sqlalchemy import select

from app import integrations
from app.extensions import db
from app.integrations import create_endpoint
from app.models import WebhookMessage
from tests import factories as f

NOTIFICATION_FIELDS = {"notification_id", "correlation_id", "event_type", "customer_id", "channel", "status"}


@pytest.fixture
def subscribed(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    app.extensions["avisos_jobs"].mode = "manual"  # keep deliveries and webhook sends queued
    create_endpoint("http://127.0.0.1:9/hook", ["notification.queued", "customer.synced"])
    integrations.invalidate_subscriptions()
    f.basic_setup()
    f.customer(email="carlos@example.com", whatsapp="0991234567")
    db.session.commit()


def _published(event_type: str) -> list[dict]:
    rows = db.session.scalars(select(WebhookMessage).where(WebhookMessage.event_type == event_type))
    return [json.loads(m.payload)["data"] for m in rows]


def test_an_accepted_event_publishes_notification_queued_per_row(client, api_headers, subscribed):
    body = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers).get_json()
    data = _published("notification.queued")
    assert {d["notification_id"] for d in data} == {n["id"] for n in body["notifications"]}
    assert all(NOTIFICATION_FIELDS <= set(d) and d["status"] == "queued" for d in data)
    assert {d["customer_id"] for d in data} == {"customer-001"}


def test_notification_data_has_the_same_fields_from_a_row_dict_and_an_orm_row(app, subscribed):
    from app.models import Notification

    row = Notification(channel="email", customer_ref="c-1", correlation_id="k", event_type="custom", status="sent")
    values = {"id": row.id, "channel": "email", "customer_ref": "c-1", "correlation_id": "k",
              "event_type": "custom", "status": "sent"}
    assert integrations.notification_data(row).keys() == integrations.notification_data(values).keys() == NOTIFICATION_FIELDS
