from app.api.auth import generate_api_key
from app.extensions import db
from tests.factories import customer

BASE = "/api/v1/notifications/push/"
SUB = {"customer_id": "c-1", "endpoint": "https://push.example.test/s/1", "expirationTime": None,
       "keys": {"p256dh": "BPubKey", "auth": "authsecret"}}


def _push_key():
    _, raw = generate_api_key("pwa", scopes="push")
    db.session.commit()
    return {"X-API-Key": raw}


def test_subscribe_accepts_pushsubscription_tojson(client, db_session):
    customer("c-1")
    db_session.commit()
    res = client.post(f"{BASE}subscribe/", headers=_push_key(), json=SUB)
    assert res.status_code == 201 and res.get_json()["created"] is True


def test_resubscribing_the_same_endpoint_updates_it(client, db_session):
    customer("c-1")
    db_session.commit()
    headers = _push_key()
    client.post(f"{BASE}subscribe/", headers=headers, json=SUB)
    again = client.post(f"{BASE}subscribe/", headers=headers, json={**SUB, "keys": {"p256dh": "New", "auth": "a2"}})
    assert again.get_json()["created"] is False
    assert client.get(f"{BASE}status/c-1/", headers=headers).get_json() == {"has_subscription": True,
                                                                          "subscription_count": 1}


def test_subscribe_for_unknown_customer_is_400(client):
    res = client.post(f"{BASE}subscribe/", headers=_push_key(), json=SUB)
    assert res.status_code == 400 and "customer_id" in res.get_json()["error"]["fields"]


def test_unsubscribe_by_endpoint_then_404(client, db_session):
    customer("c-1")
    db_session.commit()
    headers = _push_key()
    client.post(f"{BASE}subscribe/", headers=headers, json=SUB)
    assert client.delete(f"{BASE}subscribe/", headers=headers, json={"endpoint": SUB["endpoint"]}).status_code == 204
    assert client.delete(f"{BASE}subscribe/", headers=headers, json={"endpoint": SUB["endpoint"]}).status_code == 404


def test_status_of_unknown_customer_is_404(client):
    assert client.get(f"{BASE}status/ghost/", headers=_push_key()).status_code == 404


def test_vapid_public_key(client, app):
    headers = _push_key()
    assert client.get(f"{BASE}vapid-public-key/", headers=headers).status_code == 503
    app.config["VAPID_PUBLIC_KEY"] = "BPublic"
    assert client.get(f"{BASE}vapid-public-key/", headers=headers).get_json() == {"public_key": "BPublic"}


def test_push_key_cannot_read_customers(client):
    assert client.get("/api/v1/notifications/customers/", headers=_push_key()).status_code == 403
