from datetime import timedelta

from app.models import DispatchEvent, Notification
from app.models.base import utcnow
from tests.factories import add

BASE = "/api/v1/analytics/"


def _rows(db_session):
    event = add(DispatchEvent(correlation_id="c1", event_type="e", service_type_slug="s", target="clients",
                              customer_ref="c-1", context={}))
    now = utcnow()
    add(Notification(event_id=event.id, correlation_id="c1", event_type="e", customer_ref="c-1", channel="email",
                     status="sent", created_at=now, sent_at=now + timedelta(seconds=4)))
    add(Notification(event_id=event.id, correlation_id="c1", event_type="e", customer_ref="c-1", channel="push",
                     status="failed", created_at=now, failed_at=now))
    db_session.commit()


def test_report_counts_and_rate(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}report/?days=7", headers=api_headers).get_json()
    assert body["total"] == 2 and body["sent"] == 1 and body["failed"] == 1 and body["delivery_rate"] == 50.0
    assert body["period"]["days"] == 7 and len(body["daily"]) == 7


def test_summary_and_report_reject_bad_days(client, api_headers):
    assert client.get(f"{BASE}summary/?days=0", headers=api_headers).status_code == 400
    assert client.get(f"{BASE}report/?days=0", headers=api_headers).status_code == 400


def test_log_filters_and_is_a_bare_array(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}log/?limit=5&channel=push&status=failed", headers=api_headers).get_json()
    assert isinstance(body, list) and [r["channel"] for r in body] == ["push"]


def test_channels_health_per_channel(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}channels/", headers=api_headers).get_json()
    by_channel = {c["channel"]: c["status"] for c in body["channels"]}
    assert by_channel == {"email": "healthy", "whatsapp": "idle", "push": "failing"}
    assert body["status"] == "failing"


def test_reference_summary_counts_and_rates(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}summary/?days=7", headers=api_headers).get_json()
    assert (body["total_sent"], body["total_delivered"], body["total_failed"], body["total_pending"]) == (1, 0, 1, 0)
    assert body["delivery_rate"] == 0.0 and body["by_channel"] == {"email": 1, "whatsapp": 0, "push": 1}
    assert len(body["daily_breakdown"]) == 7 and body["daily_breakdown"][-1]["total"] == 2


def test_reference_summary_on_an_empty_database_has_numbers(client, api_headers):
    body = client.get(f"{BASE}summary/?days=30", headers=api_headers).get_json()
    assert body["delivery_rate"] == 0.0 and body["total_sent"] == 0 and body["avg_delivery_time_seconds"] is None


def test_reference_recent_maps_statuses_and_filters_on_them(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}recent/?status=failed", headers=api_headers).get_json()
    assert [(r["channel"], r["status"], r["recipient_id"], r["inferred_status"]) for r in body] == [
        ("push", "failed", "c-1", "pending_or_in_progress")]


def test_reference_health_is_keyed_by_channel(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}health/", headers=api_headers).get_json()
    assert body["email"] == {"total": 1, "success": 1, "failed": 0, "success_rate": 100.0, "is_healthy": True}
    assert body["whatsapp"] == {"total": 0, "success": 0, "failed": 0, "success_rate": 0.0, "is_healthy": True}
    assert body["push"]["is_healthy"] is False
