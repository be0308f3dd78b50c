"""GET /api/v1/integrations/summary/: figures per integration from real rows."""

from __future__ import annotations

import pytest

from app import integrations
from app.extensions import db
from app.models import BackgroundTask

URL = "/api/v1/integrations/summary/"
KEYS = {"total", "successes", "failures", "success_rate", "last_run", "next_run"}


def test_empty_summary_has_every_integration(client, api_headers):
    body = client.get(URL, headers=api_headers).get_json()

    for name in ("webhooks", "provider_receipts", "internal_sync", "pull_sync"):
        assert KEYS <= set(body[name]) and body[name]["total"] == 0 and body[name]["success_rate"] is None


def test_webhook_attempts_are_counted_with_the_next_retry(app, client, api_headers, webhook_receiver):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    _, secret = integrations.create_endpoint(webhook_receiver.endpoint, ["notification.sent"])
    webhook_receiver.secrets = [secret]
    integrations.publish([("notification.sent", {})])
    webhook_receiver.fail_next(1)
    integrations.publish([("notification.sent", {})])

    hooks = client.get(URL, headers=api_headers).get_json()["webhooks"]

    assert (hooks["total"], hooks["successes"], hooks["failures"], hooks["success_rate"]) == (2, 1, 1, 50.0)
    assert hooks["last_run"] and hooks["next_run"] and hooks["endpoints"] == 1


def test_internal_sync_tasks_are_counted(client, api_headers):
    for status in ("SUCCESS", "SUCCESS", "FAILURE", "PENDING"):
        db.session.add(BackgroundTask(kind="sync_customers", status=status, error=""))
    db.session.commit()

    sync = client.get(URL, headers=api_headers).get_json()["internal_sync"]

    assert (sync["total"], sync["successes"], sync["failures"], sync["success_rate"]) == (4, 2, 1, 50.0)


@pytest.mark.parametrize("hours", ["0", "abc", "100000"])
def test_bad_window_is_a_400(client, api_headers, hours):
    response = client.get(URL + f"?hours={hours}", headers=api_headers)

    assert response.status_code == 400 and "hours" in response.get_json()["error"]["fields"]
