"""Inicio: counts, health, queues and the latest failures."""

from app.extensions import db
from tests.console.builders import notification


def test_anonymous_dashboard_redirects_to_login(console):
    assert "/login" in console.get("/admin/").headers["Location"]


def test_dashboard_shows_today_counts_and_delivery_rate(signed_in):
    client = signed_in("viewer")
    for status in ("sent", "sent", "sent", "failed", "queued"):
        notification("email", status)
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-stat="sent">3<' in html
    assert 'data-stat="failed">1<' in html
    assert "75,0 %" in html


def test_dashboard_links_latest_failures_to_their_notification(signed_in):
    client = signed_in("viewer")
    failed = notification("whatsapp", "failed", error_code="number_not_on_whatsapp")
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert f"/admin/notifications/details/?id={failed.id}" in html
    assert "number_not_on_whatsapp" in html


def test_dashboard_without_failures_shows_an_empty_state(signed_in):
    html = signed_in("viewer").get("/admin/").get_data(as_text=True)
    assert "Sin fallos recientes" in html


def test_dashboard_in_embedded_mode_says_jobs_run_in_process(signed_in):
    html = signed_in("viewer").get("/admin/").get_data(as_text=True)
    assert "dentro del proceso web" in html


def test_dashboard_escapes_user_supplied_strings(signed_in):
    client = signed_in("viewer")
    notification("email", "failed", error_code="x", recipient="<script>alert(1)</script>")
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dashboard_reads_queue_depths_and_workers_from_rq(make_app, redis_url, make_user):
    from tests.console.conftest import ConsoleClient

    rq_app = make_app(REDIS_URL=redis_url, JOBS_MODE="rq", RQ_DASHBOARD_REDIS_URL=redis_url)
    with rq_app.app_context():
        from app.queue import runner

        runner().queue("maintenance").enqueue("builtins.print", "x")
        from app.cli.setup import upsert_user
        from tests.console.conftest import PASSWORD

        upsert_user("viewer@taller.test", "viewer", PASSWORD)
        client = ConsoleClient(rq_app.test_client())
        client.login("viewer@taller.test")
        html = client.get("/admin/").get_data(as_text=True)
    assert "maintenance" in html
    assert 'data-testid="worker-count">0<' in html
    assert "No hay trabajadores" in html


def test_numbers_follow_the_language(app, signed_in):
    from app.console import formatting

    with app.test_request_context("/?lang=es"):
        from flask_babel import refresh

        refresh()
        assert (formatting.number(54598), formatting.percent(89.1)) == ("54.598", "89,1 %")
    with app.test_request_context("/?lang=en"):
        refresh()
        assert (formatting.number(54598), formatting.percent(89.1)) == ("54,598", "89.1%")
