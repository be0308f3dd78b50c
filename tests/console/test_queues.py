"""Colas: admin only; rq-dashboard mounted at /admin/rq/ behind the console login."""

import pytest

from tests.console.conftest import PASSWORD, ConsoleClient


def test_anonymous_queues_redirects_to_login(console):
    assert "/login" in console.get("/admin/queues/").headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admins_are_refused_the_queues_page(signed_in, role):
    assert signed_in(role).get("/admin/queues/").status_code == 403


def test_non_admins_do_not_see_the_queues_menu_entry(signed_in):
    assert "/admin/queues/" not in signed_in("operator").get("/admin/").get_data(as_text=True)


def test_admin_sees_the_embedded_mode_notice_without_redis(signed_in):
    response = signed_in("admin").get("/admin/queues/")
    assert response.status_code == 200
    assert "modo integrado" in response.get_data(as_text=True)


@pytest.fixture
def rq_console(make_app, redis_url, make_user):
    """An app with Redis and rq-dashboard mounted; returns client(role)."""
    rq_app = make_app(REDIS_URL=redis_url, JOBS_MODE="rq", RQ_DASHBOARD_REDIS_URL=redis_url)

    def client(role: str | None) -> ConsoleClient:
        console = ConsoleClient(rq_app.test_client())
        if role:
            with rq_app.app_context():
                from app.cli.setup import upsert_user

                upsert_user(f"{role}@taller.test", role, PASSWORD)
            console.login(f"{role}@taller.test")
        return console

    with rq_app.app_context():
        yield client


def test_rq_dashboard_redirects_anonymous_visitors_to_login(rq_console):
    response = rq_console(None).get("/admin/rq/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_rq_dashboard_is_refused_to_operators(rq_console):
    assert rq_console("operator").get("/admin/rq/").status_code == 403


def test_rq_dashboard_opens_for_admins_with_a_csrf_cookie(rq_console):
    response = rq_console("admin").get("/admin/rq/")
    assert response.status_code == 200
    assert "_csrf_token=" in response.headers.get("Set-Cookie", "")


def test_rq_dashboard_refuses_its_state_changing_get(rq_console):
    assert rq_console("admin").get("/admin/rq/requeue/notifications").status_code == 405


def test_rq_dashboard_post_without_csrf_token_is_refused(rq_console):
    client = rq_console("admin")
    assert client.client.post("/admin/rq/queue/notifications/compact").status_code == 400


def test_admin_queues_page_embeds_the_dashboard_and_shows_depths(rq_console):
    html = rq_console("admin").get("/admin/queues/").get_data(as_text=True)
    assert 'src="/admin/rq/"' in html
    assert "notifications" in html and "maintenance" in html


def test_rq_dashboard_pages_get_their_relaxed_policy_and_stay_unframeable_elsewhere(rq_console):
    response = rq_console("admin").get("/admin/rq/")
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" in policy and "frame-ancestors 'self'" in policy  # underscore templates compile with eval
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_the_embedded_queue_page_says_how_to_turn_redis_on(signed_in):
    html = signed_in("admin").get("/admin/queues/").get_data(as_text=True)
    assert 'data-testid="needs-redis"' in html and "REDIS_URL" in html and "flask --app wsgi worker" in html


def test_the_rq_dashboard_address_explains_it_needs_redis_in_embedded_mode(signed_in):
    response = signed_in("admin").get("/admin/rq/", follow_redirects=True)
    assert response.status_code == 200 and "El panel de RQ necesita Redis" in response.get_data(as_text=True)


def test_pages_say_live_updates_need_redis_in_embedded_mode(signed_in):
    html = signed_in("viewer").get("/admin/").get_data(as_text=True)
    assert 'data-testid="live-off"' in html and "necesita Redis" in html


def test_rq_dashboard_lists_every_queue_the_page_shows(rq_console):
    client = rq_console("admin")
    client.get("/admin/queues/")
    listed = client.get("/admin/rq/0/data/queues.json").get_data(as_text=True)
    for name in ("notifications", "sync", "maintenance", "webhooks"):
        assert f'"{name}"' in listed
