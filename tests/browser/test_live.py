"""The live console in real browsers: two signed-in sessions see activity appear without reloading,
through /admin/stream fed by Redis pub/sub (needs Redis: skipped locally without it, fails under CI)."""

from __future__ import annotations

import pytest

from app import integrations

QUEUED = ("notification.queued", {"notification_id": "n-1", "customer_id": "customer-001", "channel": "email"})
FAILED = ("notification.failed", {"notification_id": "n-2", "customer_id": "customer-001", "channel": "whatsapp"})


@pytest.fixture
def live_redis(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    return redis_url


@pytest.fixture
def second_page(browser, live_url):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_url, locale="es-EC")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _open_dashboard(page) -> None:
    page.goto("/admin/integrations/")
    page.evaluate("window.__notReloaded = true")
    page.wait_for_function("() => window.AvisosLive && window.AvisosLive.connected")


def test_two_sessions_see_activity_and_a_failure_toast_live(live_redis, page, second_page, sign_in, webhook_receiver):
    from playwright.sync_api import expect

    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.queued"])
    webhook_receiver.secrets = [secret]
    sign_in(page, "admin")
    sign_in(second_page, "operator")
    for tab in (page, second_page):
        _open_dashboard(tab)
        expect(tab.locator("[data-testid=summary-webhooks] [data-field=total]")).to_have_text("0")

    integrations.publish([QUEUED])
    integrations.publish([FAILED])

    for tab in (page, second_page):
        expect(tab.locator("[data-testid=summary-webhooks] [data-field=total]")).to_have_text("1")
        expect(tab.locator("[data-testid=live-toast]")).to_contain_text("Notificación fallida")
        assert tab.evaluate("window.__notReloaded") is True
        assert tab.evaluate("window.AvisosLive.received.map(e => e.type)") == ["notification.queued",
                                                                               "notification.failed"]


def test_page_without_live_regions_offers_a_reload_badge(live_redis, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "viewer")
    page.goto("/admin/analytics/")
    page.evaluate("document.querySelectorAll('[data-live-refresh]').forEach(e => e.removeAttribute('data-live-refresh'))")
    page.wait_for_function("() => window.AvisosLive && window.AvisosLive.connected")

    integrations.publish([QUEUED])

    expect(page.locator("[data-testid=live-badge]")).to_contain_text("Nueva actividad (1)")


def test_without_redis_pages_work_and_do_not_live_update(app, page, sign_in):
    sign_in(page, "viewer")
    page.goto("/admin/integrations/")

    page.wait_for_function("() => document.documentElement.dataset.live === 'off'")
    assert page.locator("[data-testid=summary-webhooks]").is_visible()


def test_two_sessions_see_a_dispatch_appear_in_the_log_without_reloading(live_redis, app, page, second_page,
                                                                          sign_in, api_headers):
    from playwright.sync_api import expect

    from app.extensions import db
    from tests import factories as f

    f.basic_setup()
    f.customer(email="carlos@example.com", whatsapp="0991234567")
    db.session.commit()
    sign_in(page, "admin")
    sign_in(second_page, "viewer")
    for tab in (page, second_page):
        tab.goto("/admin/notifications/")
        tab.evaluate("window.__notReloaded = true")
        tab.wait_for_function("() => window.AvisosLive && window.AvisosLive.connected")

    response = app.test_client().post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(),
                                      headers=api_headers)
    assert response.status_code == 202
    correlation_id = response.get_json()["correlation_id"]

    for tab in (page, second_page):
        expect(tab.locator("#notification-log")).to_contain_text("carlos@example.com")
        assert tab.evaluate("window.__notReloaded") is True
        assert "notification.queued" in tab.evaluate("window.AvisosLive.received.map(e => e.type)")
    assert correlation_id
