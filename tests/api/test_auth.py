from datetime import timedelta

from app.api.auth import forget_cached_keys, generate_api_key
from app.extensions import db
from app.models.base import utcnow

URL = "/api/v1/notifications/events/x/"


def test_expired_key_401(client, app):
    _, raw = generate_api_key("old", scopes="read", expires_at=utcnow() - timedelta(minutes=1))
    db.session.commit()
    assert client.get(URL, headers={"X-API-Key": raw}).status_code == 401


def test_revoked_key_401(client, app):
    row, raw = generate_api_key("gone", scopes="read")
    db.session.commit()
    assert client.get(URL, headers={"X-API-Key": raw}).status_code == 404
    row.revoked_at = utcnow()
    db.session.commit()
    forget_cached_keys()
    assert client.get(URL, headers={"X-API-Key": raw}).status_code == 401


def test_use_records_last_used_at(client, app):
    row, raw = generate_api_key("core", scopes="read")
    db.session.commit()
    client.get(URL, headers={"Authorization": f"ApiKey {raw}"})
    db.session.expire_all()
    assert row.last_used_at is not None


def test_error_never_echoes_the_key(client, app):
    res = client.get(URL, headers={"X-API-Key": "avk_secret-value"})
    assert "secret-value" not in res.get_data(as_text=True)
