"""Evolution's `messages.upsert` posted by the Evolution peer over HTTP to our receiver: customer
texts are stored once, matched to the customer and linked to the notification they answer."""

from __future__ import annotations

from sqlalchemy import func, select

from app import integrations
from app.extensions import db
from app.models import InboundMessage, Notification, WebhookMessage
from tests import factories as f
from tests.inbox.conftest import reload_all
from tests.peers.evolution import post_webhook, upsert_body

NUMBER = "593991234567"


def send_whatsapp(client, api_headers, **overrides) -> Notification:
    """Dispatch one phase event; returns its WhatsApp notification (sent to the peer)."""
    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(**overrides),
                           headers=api_headers)
    assert response.status_code == 202, response.get_json()
    reload_all()
    [row] = db.session.scalars(select(Notification).where(
        Notification.correlation_id == response.get_json()["correlation_id"], Notification.channel == "whatsapp"))
    assert row.status == "sent" and row.provider_message_id
    return row


def stored() -> list[InboundMessage]:
    reload_all()
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.received_at)))


def test_a_customer_text_is_stored_with_the_customer_and_the_last_notification(
        client, api_headers, receiver_url, evolution_peer, carlos):
    sent = send_whatsapp(client, api_headers)

    status, body = evolution_peer.post_upsert(receiver_url, NUMBER, "¿A qué hora puedo retirarlo?")

    assert status == 200 and body["stored"] == 1
    [message] = stored()
    assert message.customer_id == carlos[1].id and message.phone == NUMBER
    assert message.text == "¿A qué hora puedo retirarlo?" and message.status == "open" and message.kind == "text"
    assert message.notification_id == sent.id and message.link == "last"


def test_a_quoted_reply_is_linked_to_the_notification_it_quotes(client, api_headers, receiver_url, evolution_peer,
                                                                 carlos):
    first = send_whatsapp(client, api_headers, phase_id="phase-schedule")
    send_whatsapp(client, api_headers, phase_id="phase-reception")

    evolution_peer.post_upsert(receiver_url, NUMBER, "Gracias, ahí estaré", quoted_id=first.provider_message_id)

    [message] = stored()
    assert message.notification_id == first.id and message.link == "quoted"
    assert message.quoted_message_id == first.provider_message_id


def test_our_own_echo_is_ignored(receiver_url, evolution_peer, carlos):
    status, body = evolution_peer.post_upsert(receiver_url, NUMBER, "Hola Carlos: su vehículo...", from_me=True)

    assert status == 200 and body == {"status": "ok", "ignored": 1}
    assert stored() == []


def test_a_group_message_is_ignored(receiver_url, evolution_peer, carlos):
    evolution_peer.post_upsert(receiver_url, NUMBER, "hola grupo", group=True)

    assert stored() == []


def test_a_repeated_message_is_stored_once(receiver_url, evolution_peer, carlos):
    body = upsert_body(NUMBER, "¿Ya está listo?", message_id="3EB0DUPLICATE0001")

    first = post_webhook(receiver_url, body)
    again = post_webhook(receiver_url, body)

    assert first == (200, {"status": "ok", "stored": 1}) and again == (200, {"status": "ok", "duplicate": 1})
    assert len(stored()) == 1


def test_an_unknown_number_is_kept_without_a_customer(receiver_url, evolution_peer, carlos):
    evolution_peer.post_upsert(receiver_url, "593987000111", "Buenas, ¿tienen turno mañana?", push_name="Ana")

    [message] = stored()
    assert message.customer_id is None and message.phone == "593987000111" and message.push_name == "Ana"
    assert message.notification_id is None and message.status == "open"


def test_a_wrong_secret_is_refused_and_nothing_is_stored(receiver_url, evolution_peer, carlos):
    status, _ = evolution_peer.post_upsert(receiver_url.replace("secret=", "secret=x"), NUMBER, "hola")

    assert status == 401 and stored() == []


def test_webhook_subscribers_get_message_received_once(app, receiver_url, evolution_peer, carlos, webhook_receiver):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["message.received"])
    webhook_receiver.secrets = [secret]
    body = upsert_body(NUMBER, "¿Ya está listo?", message_id="3EB0EVENT0001")

    post_webhook(receiver_url, body)
    post_webhook(receiver_url, body)

    reload_all()
    assert db.session.scalar(select(func.count()).select_from(WebhookMessage)
                             .where(WebhookMessage.event_type == "message.received")) == 1
    [got] = webhook_receiver.received
    assert got.verified and got.json["type"] == "message.received"
    assert got.json["data"]["customer_id"] == "customer-001" and got.json["data"]["text"] == "¿Ya está listo?"
