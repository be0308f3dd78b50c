"""AUTH_MODE=compat opens exactly the calls the Ambacar PWA makes without credentials, to its origins,
counted per client address; a verified core JWT is a trusted caller (dispatch included); a token
that does not verify counts as no credential on those calls only."""

from __future__ import annotations

import logging

import pytest

from app.catalog import seed_initial_data
from tests.api.pwa import CUSTOMER_ID, ORIGIN, Pwa, V, core_token
from tests.api.test_pwa_contract import PHASE_EVENT, REGISTRATION
from tests.conftest import BASE_OVERRIDES


@pytest.fixture
def pwa(pwa_app):
    seed_initial_data()
    browser = Pwa(pwa_app.test_client(), BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"])
    browser.sync_customer()
    return browser


def _anonymous(pwa, method, path, body=None, origin=ORIGIN, **headers):
    return pwa.client.open(path, method=method, json=body, headers={"Origin": origin, **headers} if origin else headers)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"{V}/customers/{CUSTOMER_ID}/"), ("POST", f"{V}/events/dispatch/"),
    ("PATCH", f"{V}/customers/{CUSTOMER_ID}/"), ("GET", "/api/v1/analytics/health/")])
def test_without_an_allowed_origin_compat_calls_still_need_a_key(pwa, method, path):
    for origin in (None, "https://evil.example"):
        assert _anonymous(pwa, method, path, {}, origin=origin).status_code == 401


@pytest.mark.parametrize(("method", "path"), [
    ("POST", f"{V}/templates/"), ("PUT", f"{V}/customers/{CUSTOMER_ID}/"), ("DELETE", f"{V}/customers/{CUSTOMER_ID}/"),
    ("POST", f"{V}/customers/"), ("POST", f"{V}/vehicles/"), ("PUT", f"{V}/reminders/00000000-0000-0000-0000-000000000000/"),
    ("POST", f"{V}/orchestration/"), ("POST", "/api/v1/webhooks/")])
def test_writes_outside_the_pwas_list_are_refused(pwa, method, path):
    assert _anonymous(pwa, method, path, {}).status_code == 401


@pytest.mark.parametrize("path", [
    f"{V}/customers/", f"{V}/vehicles/", f"{V}/reminders/", f"{V}/catalog/", f"{V}/phases/", f"{V}/service-types/",
    f"{V}/templates/variables/", f"{V}/templates/for_context/?service_type_id=x&phase_id=y&channel=email",
    f"{V}/push/vapid-public-key/", "/api/v1/analytics/report/", "/api/v1/webhooks/", "/api/v1/integrations/summary/"])
def test_key_protected_reads_are_refused(pwa, path):
    assert _anonymous(pwa, "GET", path).status_code == 401


def test_an_anonymous_custom_event_is_refused(pwa):
    res = _anonymous(pwa, "POST", f"{V}/events/dispatch/", REGISTRATION)
    assert res.status_code == 401 and isinstance(res.get_json()["error"], str)


def test_the_core_jwt_may_dispatch_custom_events(pwa):
    res = pwa.dispatch(REGISTRATION, jwt_token=True, token=core_token())
    assert res.status_code == 202


@pytest.mark.parametrize("token", [core_token(secret="another-signing-key-0123456789abcdefgh"), core_token(ttl=-600),
                                   "not.a.jwt"], ids=["foreign-key", "expired", "garbage"])
def test_an_unverifiable_token_on_a_compat_call_counts_as_none(pwa, token, caplog):
    caplog.set_level(logging.WARNING, "app.api.compat")
    for _ in range(2):
        res = pwa.dispatch(PHASE_EVENT, jwt_token=True, token=token)
        assert res.status_code == 202
    assert len([r for r in caplog.records if "treated as no credential" in r.getMessage()]) == 1


def test_an_unverifiable_token_elsewhere_is_still_401(pwa):
    token = core_token(secret="another-signing-key-0123456789abcdefgh")
    res = _anonymous(pwa, "GET", f"{V}/phases/", Authorization=f"Bearer {token}")
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "invalid_token"


def test_an_unverifiable_token_cannot_send_a_custom_event(pwa):
    res = pwa.dispatch(REGISTRATION, jwt_token=True, token=core_token(secret="another-signing-key-0123456789abcdefgh"))
    assert res.status_code == 401


def test_anonymous_dispatch_is_limited_per_client_address(pwa, pwa_app):
    pwa_app.config["RATE_LIMIT_COMPAT_DISPATCH"] = "2/minute"
    try:
        def post(address):
            return pwa.client.post(f"{V}/events/dispatch/", json=PHASE_EVENT, headers={"Origin": ORIGIN},
                                   environ_base={"REMOTE_ADDR": address}).status_code

        assert [post("10.0.0.1") for _ in range(3)] == [202, 202, 429]
        assert post("10.0.0.2") == 202
    finally:
        pwa_app.config["RATE_LIMIT_COMPAT_DISPATCH"] = "60/minute;600/hour"


def test_keys_keep_their_meaning_with_compat_on(pwa, api_headers):
    assert pwa.client.get(f"{V}/customers/", headers=api_headers).status_code == 200




def test_the_core_jwt_cannot_manage_webhooks(pwa):
    res = pwa.call("GET", "/api/v1/webhooks/", jwt_token=True, token=core_token())
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "api_key_required"
