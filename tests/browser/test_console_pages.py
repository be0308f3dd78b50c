"""The console in Chromium: charts drawn, a failed notification resent, every page photographed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.base import utcnow
from tests.console.builders import attempt, event, notification


def _sample_log() -> dict:
    """A few days of traffic on every channel, with failures and a fallback chain."""
    rows = {}
    for day in range(6):
        when = utcnow() - timedelta(days=day, minutes=30)
        for channel, status in (("email", "sent"), ("whatsapp", "delivered"), ("push", "sent"), ("email", "failed")):
            notification(channel, status, created_at=when, sent_after=2 + day * 20,
                         error_code="smtp_550" if status == "failed" else "")
    ev = event("corr-demo-001")
    first = notification("email", "failed", ev=ev, error_code="smtp_550", recipient="carlos@example.com",
                         html_body="<p>Hola <b>Carlos</b>, su Haval H6 está listo.</p>", attempts=2)
    attempt(first, 1, "transient", "smtp_421", "421 try again later")
    attempt(first, 2, "permanent", "smtp_550", "550 mailbox unavailable")
    notification("whatsapp", "sent", ev=ev, parent=first, recipient="+593991234567",
                 body="Hola Carlos, su Haval H6 (ABC123) está listo para retirar.")
    notification("push", "queued")
    rows["failed"] = first
    db.session.commit()
    return rows


def test_analytics_draws_every_chart(page, sign_in, screenshot):
    _sample_log()
    sign_in(page, "viewer")
    page.goto("/admin/analytics/")
    for chart in ("chart-volume", "chart-rate", "chart-errors", "chart-latency", "chart-health"):
        page.wait_for_selector(f"#{chart} .main-svg", state="attached")
        assert page.locator(f"#{chart} .main-svg").count() >= 1
    assert page.locator("#chart-volume .point, #chart-volume .bars path").count() > 0
    screenshot(page, "analytics")


def test_operator_resends_a_failed_notification_and_sees_its_new_status(page, sign_in, screenshot, app):
    rows = _sample_log()
    app.extensions["avisos_jobs"].mode = "manual"  # the resend is queued; no SMTP server in this test
    sign_in(page, "operator")
    page.goto(f"/admin/notifications/details/?id={rows['failed'].id}")
    assert page.locator('[data-testid="detail-status"] [data-status]').get_attribute("data-status") == "failed"
    screenshot(page, "notification-detail")
    page.click('[data-testid="resend"]')
    page.wait_for_selector('[data-testid="detail-status"] [data-status="queued"]')
    assert "Notificación reenviada." in page.content()
    assert page.locator('[data-testid="resend"]').count() == 0
    screenshot(page, "notification-resent")


@pytest.mark.parametrize("path,name", [
    ("/admin/", "dashboard"),
    ("/admin/notifications/", "notifications"),
    ("/admin/queues/", "queues"),
    ("/admin/users/", "users"),
    ("/admin/api-keys/", "api-keys"),
])
def test_admin_pages_render_in_the_browser(page, sign_in, screenshot, path, name):
    _sample_log()
    sign_in(page, "admin")
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("nav.console-navbar").count() == 1
    screenshot(page, name)


def test_dashboard_fits_a_tablet(tablet_page, sign_in, screenshot):
    _sample_log()
    sign_in(tablet_page, "operator")
    tablet_page.goto("/admin/")
    width = tablet_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820
    screenshot(tablet_page, "dashboard-tablet")


def test_language_switch_shows_the_console_in_english(page, sign_in):
    sign_in(page, "viewer")
    page.click("a[hreflang=en]")
    assert "Notifications" in page.locator("nav.console-navbar").inner_text()
    page.click("a[hreflang=es]")
    assert "Notificaciones" in page.locator("nav.console-navbar").inner_text()


def test_sign_out_returns_to_the_login_page(page, sign_in):
    sign_in(page, "viewer")
    page.click("text=Cerrar sesión")
    page.wait_for_url("**/login")
    page.goto("/admin/")
    assert "/login" in page.url
