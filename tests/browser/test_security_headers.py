"""The console's security headers in Chromium: every page still works under its Content-Security-
Policy (no violation reported: the `page` fixture fails the test otherwise), confirmations and bulk
actions run without inline handlers, the queues page frames rq-dashboard, and another site cannot
frame the console."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, Notification
from tests.browser.conftest import csp_violations
from tests.browser.test_console_pages import _sample_log
from tests.console.builders import notification

CONSOLE_PAGES = ["/admin/", "/admin/notifications/", "/admin/customer/", "/admin/vehicle/", "/admin/reminder/",
                 "/admin/template/", "/admin/matrix/", "/admin/analytics/", "/admin/integrations/", "/admin/data/",
                 "/admin/sync-sources/", "/admin/queues/", "/admin/users/", "/admin/api-keys/", "/admin/workshop/",
                 "/admin/audit/"]


def test_every_console_page_sends_the_headers_and_runs_without_violations(page, sign_in):
    _sample_log()
    sign_in(page, "admin")
    for path in CONSOLE_PAGES:
        response = page.goto(path)
        headers = response.headers
        assert response.status == 200, path
        assert "frame-ancestors 'self'" in headers["content-security-policy"], path
        assert "'unsafe-inline'" not in headers["content-security-policy"].split("style-src")[0], path
        assert headers["x-frame-options"] == "SAMEORIGIN" and headers["referrer-policy"] == "same-origin", path
        page.wait_for_load_state("load")
    assert page.csp_violations == []


def test_charts_are_drawn_under_the_policy(page, sign_in):
    _sample_log()
    sign_in(page, "viewer")
    page.goto("/admin/analytics/")
    page.wait_for_selector("#chart-volume .main-svg", state="attached")
    assert page.locator("#chart-rate .main-svg").count() >= 1


def test_the_filter_menu_adds_a_filter(page, sign_in):
    _sample_log()
    sign_in(page, "viewer")
    page.goto("/admin/notifications/")
    page.click("text=Añadir filtro")
    page.click(".field-filters a.filter >> nth=0")
    page.wait_for_selector(".filter-op", state="attached")


def test_a_bulk_action_asks_then_runs(page, sign_in, app):
    app.extensions["avisos_jobs"].mode = "manual"
    row = notification("push", "queued")
    db.session.commit()
    sign_in(page, "operator")
    page.goto("/admin/notifications/")
    page.check(f"input.action-checkbox[value='{row.id}']")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("text=Con seleccionados")
    page.click("[data-model-action=cancel]")
    page.wait_for_load_state("load")
    db.session.expire_all()
    assert questions and db.session.get(Notification, row.id).status == "cancelled"


def test_a_declined_confirmation_changes_nothing_and_an_accepted_one_does(page, sign_in):
    from app.api.auth import generate_api_key

    key, _ = generate_api_key("ERP", scopes="read")
    db.session.commit()
    sign_in(page, "admin")
    page.goto("/admin/api-keys/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[action$='/revoke/'] button")
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).revoked_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/revoke/'] button")
    page.wait_for_selector(".alert-success")
    db.session.expire_all()
    assert db.session.scalar(select(ApiKey.revoked_at).where(ApiKey.id == key.id)) is not None


def _frame_login_from(browser, origin: str, live_url: str) -> tuple[int, list[str]]:
    """Open a page of `origin` that frames the sign-in page; (password fields seen in the frame, CSP messages)."""
    context = browser.new_context()
    tab = context.new_page()
    violations = csp_violations(tab)
    tab.goto(origin + "/healthz")
    tab.set_content(f'<iframe id="f" src="{live_url}/login" onload="window.framed = true"></iframe>')
    tab.wait_for_function("() => window.framed === true")
    fields = tab.frame_locator("#f").locator("input[name=password]").count()
    context.close()
    return fields, violations


def test_another_site_cannot_frame_the_console(browser, live_url):
    """frame-ancestors 'self' (and X-Frame-Options): localhost is another origin than 127.0.0.1."""
    fields, violations = _frame_login_from(browser, live_url.replace("127.0.0.1", "localhost"), live_url)
    assert fields == 0 and any("frame-ancestors" in v for v in violations)


def test_the_console_may_frame_itself(browser, live_url):
    fields, violations = _frame_login_from(browser, live_url, live_url)
    assert fields == 1 and violations == []


@pytest.fixture
def rq_server(make_app, redis_url):
    """An app with Redis and rq-dashboard mounted, served on its own port."""
    from werkzeug.serving import make_server

    rq_app = make_app(REDIS_URL=redis_url, JOBS_MODE="rq", RQ_DASHBOARD_REDIS_URL=redis_url)
    server = make_server("127.0.0.1", 0, rq_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rq_app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_the_queues_page_frames_rq_dashboard_under_the_policy(browser, rq_server):
    from app.cli.setup import upsert_user
    from tests.console.conftest import PASSWORD

    rq_app, url = rq_server
    with rq_app.app_context():
        upsert_user("admin@taller.test", "admin", PASSWORD)
        db.session.remove()
    context = browser.new_context(base_url=url)
    tab = context.new_page()
    violations = csp_violations(tab)
    tab.goto("/login")
    tab.fill("input[name=email]", "admin@taller.test")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/admin/**")
    tab.goto("/admin/queues/")
    frame = tab.frame_locator("iframe[title='RQ Dashboard']")
    frame.locator("#queues").wait_for(state="attached")
    frame.locator("#queues tbody tr").first.wait_for(state="attached")
    context.close()
    assert violations == []
