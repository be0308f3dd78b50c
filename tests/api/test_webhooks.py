"""/api/v1/webhooks/: endpoint management with a `manage` key, against a real receiver."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import integrations
from app.extensions import db
from app.models import WebhookEndpoint

BASE = "/api/v1/webhooks/"


@pytest.fixture(autouse=True)
def loopback_allowed(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]


@pytest.fixture
def read_only_headers(app) -> dict:
    from app.api.auth import generate_api_key

    _, raw = generate_api_key("reader", scopes="read")
    db.session.commit()
    return {"Authorization": f"ApiKey {raw}"}


def create(client, headers, url, **extra):
    body = {"url": url, "event_types": ["notification.sent"], "description": "ERP", **extra}
    return client.post(BASE, json=body, headers=headers)


def test_create_returns_the_secret_once(client, api_headers, webhook_receiver):
    response = create(client, api_headers, webhook_receiver.endpoint)

    assert response.status_code == 201
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["notification.sent"]
    again = client.get(BASE + body["id"] + "/", headers=api_headers).get_json()
    listed = client.get(BASE, headers=api_headers).get_json()["results"][0]
    assert "secret" not in again and "secret" not in listed and body["secret"] not in str(listed)


def test_created_endpoint_receives_signed_events(client, api_headers, webhook_receiver):
    webhook_receiver.secrets = [create(client, api_headers, webhook_receiver.endpoint).get_json()["secret"]]

    integrations.publish([("notification.sent", {"notification_id": "n-9"})])

    [got] = webhook_receiver.received
    assert got.verified and got.json["data"] == {"notification_id": "n-9"}


def test_read_scope_cannot_manage_webhooks(client, read_only_headers):
    assert client.get(BASE, headers=read_only_headers).status_code == 403


def test_missing_key_is_401(client):
    assert client.get(BASE).status_code == 401


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest"])
def test_private_loopback_and_link_local_urls_are_refused(app, client, api_headers, url):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = []

    response = create(client, api_headers, url)

    assert response.status_code == 400 and "url" in response.get_json()["error"]["fields"]
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_allowed_hosts_accept_a_cidr(app, client, api_headers):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["10.0.0.0/8"]

    assert create(client, api_headers, "http://10.1.2.3/hook").status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://x.example/", "event_types": ["notification.sent"]}, "url"),
    ({"url": "http://127.0.0.1/x", "event_types": []}, "event_types"),
    ({"url": "http://127.0.0.1/x", "event_types": ["notification.exploded"]}, "event_types"),
    ({"url": "http://127.0.0.1/x", "event_types": ["notification.sent"], "active": "yes"}, "active"),
    ({"url": "http://127.0.0.1/x", "event_types": ["notification.sent"], "colour": "red"}, "colour"),
])
def test_invalid_fields_are_named(client, api_headers, body, field):
    response = client.post(BASE, json=body, headers=api_headers)

    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


def test_non_object_body_is_a_400(client, api_headers):
    assert client.post(BASE, json=["x"], headers=api_headers).status_code == 400


def test_update_changes_events_and_active(client, api_headers, webhook_receiver):
    endpoint_id = create(client, api_headers, webhook_receiver.endpoint).get_json()["id"]

    response = client.patch(BASE + endpoint_id + "/", json={"event_types": ["sync.failed"], "active": False},
                            headers=api_headers)

    assert response.status_code == 200
    assert response.get_json()["event_types"] == ["sync.failed"] and response.get_json()["active"] is False


def test_rotate_gives_a_new_secret_and_both_sign(client, api_headers, webhook_receiver):
    created = create(client, api_headers, webhook_receiver.endpoint).get_json()

    rotated = client.post(BASE + created["id"] + "/rotate-secret/", headers=api_headers).get_json()
    webhook_receiver.secrets = [created["secret"], rotated["secret"]]
    integrations.publish([("notification.sent", {})])

    assert rotated["secret"] != created["secret"] and rotated["rotation_expires_at"]
    assert webhook_receiver.received[0].verified_by == (0, 1)


def test_messages_list_and_resend(client, api_headers, webhook_receiver):
    created = create(client, api_headers, webhook_receiver.endpoint).get_json()
    webhook_receiver.secrets = [created["secret"]]
    integrations.publish([("notification.sent", {})])

    [message] = client.get(BASE + created["id"] + "/messages/", headers=api_headers).get_json()["results"]
    response = client.post(BASE + created["id"] + f"/messages/{message['id']}/resend/", headers=api_headers)

    assert message["status"] == "delivered" and response.status_code == 202
    assert [r.headers["webhook-id"] for r in webhook_receiver.received] == [message["id"]] * 2


def test_retry_failed_since_requires_a_date(client, api_headers, webhook_receiver):
    endpoint_id = create(client, api_headers, webhook_receiver.endpoint).get_json()["id"]

    bad = client.post(BASE + endpoint_id + "/retry-failed/", json={"since": "yesterday"}, headers=api_headers)
    good = client.post(BASE + endpoint_id + "/retry-failed/", json={"since": "2026-01-01T00:00:00Z"},
                       headers=api_headers)

    assert bad.status_code == 400 and "since" in bad.get_json()["error"]["fields"]
    assert good.status_code == 202 and good.get_json()["count"] == 0


def test_unknown_endpoint_is_404(client, api_headers):
    assert client.get(BASE + "not-a-uuid/", headers=api_headers).status_code == 404


def test_delete_removes_the_endpoint(client, api_headers, webhook_receiver):
    endpoint_id = create(client, api_headers, webhook_receiver.endpoint).get_json()["id"]

    assert client.delete(BASE + endpoint_id + "/", headers=api_headers).status_code == 204
    integrations.publish([("notification.sent", {})])
    assert webhook_receiver.received == []
