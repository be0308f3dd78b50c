"""Evolution delivery receipts end to end: a WhatsApp message really sent to the Evolution peer,
then its `messages.update` receipts posted to our endpoint, and the outbound events they emit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import integrations
from app.extensions import db
from app.models import Notification, ProviderReceipt
from tests import factories as f

SECRET = "evo-receipts-secret"
URL = "/api/internal/v1/providers/evolution/webhook/"


@pytest.fixture
def sent_whatsapp(app, client, api_headers, peers_configured) -> Notification:
    """One WhatsApp notification delivered to the Evolution peer (status sent, key.id kept)."""
    app.config["EVOLUTION_WEBHOOK_SECRET"] = SECRET
    f.basic_setup(channels={"email": False, "whatsapp": True, "push": False})
    f.customer(preferences=[("whatsapp", True, 1), ("email", True, 2), ("push", True, 3)])
    db.session.commit()
    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=api_headers)
    assert response.status_code in (200, 201, 202), response.get_json()
    [row] = db.session.scalars(select(Notification)).all()
    assert row.status == "sent" and row.provider_message_id
    return row


def receipt(key_id: str, status: str, **extra) -> dict:
    return {"event": "messages.update", "instance": "taller", "date_time": "2026-11-24T10:00:00.000Z",
            "data": {"keyId": key_id, "remoteJid": "593991234567@s.whatsapp.net", "fromMe": True,
                     "status": status, "instanceId": "i-1", **extra}, "apikey": "instance-token"}


def post(client, body, secret: str | None = SECRET, path: str = URL):
    query = f"?secret={secret}" if secret else ""
    return client.post(path + query, json=body)


def reload(row: Notification) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row.id)


def test_delivery_ack_marks_the_notification_delivered(client, sent_whatsapp):
    response = post(client, receipt(sent_whatsapp.provider_message_id, "DELIVERY_ACK"))

    assert response.status_code == 200 and response.get_json()["applied"] == 1
    row = reload(sent_whatsapp)
    assert row.status == "delivered" and row.delivered_at is not None


def test_read_after_delivered_marks_it_read(client, sent_whatsapp):
    post(client, receipt(sent_whatsapp.provider_message_id, "DELIVERY_ACK"))
    post(client, receipt(sent_whatsapp.provider_message_id, "READ"))

    row = reload(sent_whatsapp)
    assert row.status == "read" and row.read_at is not None and row.delivered_at <= row.read_at


def test_late_delivery_ack_never_moves_read_back(client, sent_whatsapp):
    post(client, receipt(sent_whatsapp.provider_message_id, "READ"))
    response = post(client, receipt(sent_whatsapp.provider_message_id, "DELIVERY_ACK"))

    assert response.get_json()["ignored"] == 1 and reload(sent_whatsapp).status == "read"


def test_unknown_message_id_is_acknowledged_and_ignored(client, sent_whatsapp):
    response = post(client, receipt("3EB0UNKNOWN", "DELIVERY_ACK"))

    assert response.status_code == 200 and response.get_json()["unknown"] == 1
    assert reload(sent_whatsapp).status == "sent"


def test_missing_or_wrong_secret_is_refused_and_changes_nothing(client, sent_whatsapp):
    assert post(client, receipt(sent_whatsapp.provider_message_id, "READ"), secret=None).status_code == 401
    assert post(client, receipt(sent_whatsapp.provider_message_id, "READ"), secret="nope").status_code == 401

    assert reload(sent_whatsapp).status == "sent"
    outcomes = db.session.scalars(select(ProviderReceipt.outcome)).all()
    assert outcomes == ["rejected", "rejected"]


def test_secret_in_header_is_accepted(client, sent_whatsapp):
    response = client.post(URL, json=receipt(sent_whatsapp.provider_message_id, "DELIVERY_ACK"),
                           headers={"X-Webhook-Secret": SECRET})

    assert response.status_code == 200 and reload(sent_whatsapp).status == "delivered"


def test_webhook_by_events_url_carries_the_event_name(client, sent_whatsapp):
    body = receipt(sent_whatsapp.provider_message_id, "DELIVERY_ACK")
    del body["event"]

    response = post(client, body, path=URL + "messages-update")

    assert response.status_code == 200 and reload(sent_whatsapp).status == "delivered"


def test_other_evolution_events_are_acknowledged(client, sent_whatsapp):
    response = post(client, {"event": "connection.update", "instance": "taller", "data": {"state": "open"}})

    assert response.status_code == 200 and response.get_json()["ignored"] == 1


def test_error_receipt_fails_a_sent_message(client, sent_whatsapp):
    post(client, receipt(sent_whatsapp.provider_message_id, "ERROR"))

    row = reload(sent_whatsapp)
    assert row.status == "failed" and row.error_code == "provider_error"


def test_malformed_body_is_a_400(client, sent_whatsapp):
    response = client.post(URL + f"?secret={SECRET}", data="{nope", content_type="application/json")

    assert response.status_code == 400 and response.get_json()["error"]["fields"]["body"]


def test_receipts_emit_signed_outbound_events_once(app, client, sent_whatsapp, webhook_receiver):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.delivered", "notification.read"])
    webhook_receiver.secrets = [secret]
    key_id = sent_whatsapp.provider_message_id

    for status in ("DELIVERY_ACK", "DELIVERY_ACK", "READ"):
        post(client, receipt(key_id, status))

    got = [(r.json["type"], r.json["data"]["provider_message_id"]) for r in webhook_receiver.received]
    assert got == [("notification.delivered", key_id), ("notification.read", key_id)]
    assert all(r.verified for r in webhook_receiver.received)
