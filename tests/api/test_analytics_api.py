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


def test_summary_counts_and_rate(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}summary/?days=7", headers=api_headers).get_json()
    assert body["total"] == 2 and body["sent"] == 1 and body["failed"] == 1 and body["delivery_rate"] == 50.0
    assert body["period"]["days"] == 7 and len(body["daily"]) == 7


def test_summary_rejects_bad_days(client, api_headers):
    assert client.get(f"{BASE}summary/?days=0", headers=api_headers).status_code == 400


def test_recent_filters_and_is_a_bare_array(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}recent/?limit=5&channel=push&status=failed", headers=api_headers).get_json()
    assert isinstance(body, list) and [r["channel"] for r in body] == ["push"]


def test_health_per_channel(client, api_headers, db_session):
    _rows(db_session)
    body = client.get(f"{BASE}health/", headers=api_headers).get_json()
    by_channel = {c["channel"]: c["status"] for c in body["channels"]}
    assert by_channel == {"email": "healthy", "whatsapp": "idle", "push": "failing"}
    assert body["status"] == "failing"
