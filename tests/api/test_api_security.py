import time
from datetime import timedelta

import jwt
import limits.storage.memory
import pytest

from app.api.auth import forget_cached_keys, generate_api_key
from app.extensions import db
from app.models.base import utcnow
from tests.clock import FakeTime
from tests.factories import basic_setup

TEMPLATES = "/api/v1/notifications/templates/"
ORIGIN = "https://pwa.taller.test"


def _key(scopes: str, **kw) -> dict:
    _, raw = generate_api_key("k", scopes=scopes, **kw)
    db.session.commit()
    return {"X-API-Key": raw}


@pytest.mark.parametrize(("scopes", "method", "url", "expected"), [
    ("read", "get", TEMPLATES, 200),
    ("read", "post", TEMPLATES, 403),
    ("manage", "post", TEMPLATES, 400),
    ("manage", "get", "/api/v1/notifications/customers/", 200),
    ("dispatch", "get", TEMPLATES, 403),
    ("push", "get", TEMPLATES, 403),
    ("read", "post", "/api/v1/notifications/push/subscribe/", 403),
    ("push", "post", "/api/v1/notifications/push/subscribe/", 400),
    ("read", "post", "/api/v1/notifications/events/dispatch/", 403),
    ("manage", "post", "/api/v1/notifications/events/dispatch/", 403),
])
def test_scope_allows_or_refuses(client, scopes, method, url, expected):
    assert getattr(client, method)(url, headers=_key(scopes), json={}).status_code == expected


def test_no_key_is_401_in_the_one_error_shape(client):
    body = client.get(TEMPLATES).get_json()
    assert set(body) == {"error", "detail"} and body["error"]["code"] == "not_authenticated"


def test_expired_and_revoked_keys_are_401(client):
    assert client.get(TEMPLATES, headers=_key("read", expires_at=utcnow() - timedelta(seconds=1))).status_code == 401
    row, raw = generate_api_key("k", scopes="read")
    db.session.commit()
    row.revoked_at = utcnow()
    db.session.commit()
    forget_cached_keys()
    assert client.get(TEMPLATES, headers={"X-API-Key": raw}).status_code == 401


def test_unknown_scope_is_refused_when_creating_a_key(app):
    with pytest.raises(ValueError):
        generate_api_key("k", scopes="read admin")


def test_core_jwt_is_accepted_when_configured(client, app):
    token = jwt.encode({"sub": "core", "exp": int(time.time()) + 60}, "core-secret-0123456789abcdef0123456789", algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(TEMPLATES, headers=headers).status_code == 401
    app.config["CORE_JWT_SECRET"] = "core-secret-0123456789abcdef0123456789"
    assert client.get(TEMPLATES, headers=headers).status_code == 200
    assert client.post(TEMPLATES, headers=headers, json={}).status_code == 400  # manage: reaches validation


def test_expired_or_forged_jwt_is_401(client, app):
    app.config["CORE_JWT_SECRET"] = "core-secret-0123456789abcdef0123456789"
    old = jwt.encode({"exp": int(time.time()) - 120}, "core-secret-0123456789abcdef0123456789", algorithm="HS256")
    forged = jwt.encode({"exp": int(time.time()) + 60}, "other-0123456789abcdef0123456789abcdef", algorithm="HS256")
    no_exp = jwt.encode({"sub": "x"}, "core-secret-0123456789abcdef0123456789", algorithm="HS256")
    for token in (old, forged, no_exp):
        assert client.get(TEMPLATES, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_compat_mode_answers_allowed_origins_only(client, app):
    basic_setup()
    app.config.update(AUTH_MODE="compat", CORS_ORIGINS=[ORIGIN, r"https://.*\.preview\.test"])
    assert client.get(TEMPLATES, headers={"Origin": ORIGIN}).status_code == 200
    assert client.get(TEMPLATES, headers={"Origin": "https://pr-7.preview.test"}).status_code == 200
    assert client.get(TEMPLATES, headers={"Origin": "https://evil.test"}).status_code == 401
    assert client.get(TEMPLATES).status_code == 401
    assert client.post(TEMPLATES, headers={"Origin": ORIGIN}, json={}).status_code == 401


def test_default_mode_ignores_origin(client, app):
    app.config["CORS_ORIGINS"] = [ORIGIN]
    assert client.get(TEMPLATES, headers={"Origin": ORIGIN}).status_code == 401


def test_rate_limit_answers_429_with_retry_after_and_recovers(client, app, monkeypatch):
    clock = FakeTime(time.time())  # the limits' memory storage keeps time by this clock
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    app.config["RATE_LIMIT_DEFAULT"] = "2/second"
    headers = _key("read")
    codes = [client.get(TEMPLATES, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    res = client.get(TEMPLATES, headers=headers)
    assert res.get_json()["error"]["code"] == "rate_limited" and int(res.headers["Retry-After"]) >= 0
    other = _key("read")
    assert client.get(TEMPLATES, headers=other).status_code == 200  # counted per key
    clock.advance(1.1)  # the window has passed
    assert client.get(TEMPLATES, headers=headers).status_code == 200


def test_body_over_one_megabyte_is_413(client, api_headers):
    res = client.post(TEMPLATES, headers={**api_headers, "Content-Type": "application/json"},
                      data=b'{"body": "' + b"x" * (1024 * 1024 + 10) + b'"}')
    assert res.status_code == 413 and res.get_json()["error"]["code"]


def test_unknown_api_path_is_json_not_html(client):
    res = client.get("/api/v1/nothing-here/")
    assert res.status_code == 404 and res.is_json


def test_cors_preflight_for_allowed_origin(make_app):
    app = make_app(CORS_ORIGINS=[ORIGIN, r"https://.*\.preview\.test"])
    client = app.test_client()
    res = client.options(TEMPLATES + "preview/", headers={
        "Origin": "https://pr-1.preview.test", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert res.status_code == 200
    assert res.headers["Access-Control-Allow-Origin"] == "https://pr-1.preview.test"
    assert "PATCH" in res.headers["Access-Control-Allow-Methods"]
    assert "authorization" in res.headers["Access-Control-Allow-Headers"].lower()
    denied = client.options(TEMPLATES, headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in denied.headers


def test_rate_limit_counts_in_redis_when_configured(make_app, redis_url):
    app = make_app(RATELIMIT_STORAGE_URI=redis_url, RATE_LIMIT_DEFAULT="2/minute")
    with app.app_context():
        headers = _key("read")
        client = app.test_client()
        codes = [client.get(TEMPLATES, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    from redis import Redis

    assert any(k.startswith(b"LIMITS") or b"avisos-rl" in k for k in Redis.from_url(redis_url).keys())  # noqa: SIM118
