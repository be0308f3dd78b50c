"""The push endpoint check: public https URLs, or what PUSH_ALLOWED_HOSTS names (as the other allow-lists)."""

import pytest

from app.records.push_subscriptions import endpoint_problem


@pytest.mark.parametrize("endpoint", ["https://fcm.googleapis.com/fcm/send/x1", "https://8.8.8.8/push/1"])
def test_public_https_endpoints_are_accepted(app, endpoint):
    assert endpoint_problem(endpoint) is None


@pytest.mark.parametrize("endpoint", ["http://fcm.googleapis.com/x", "https://127.0.0.1/push", "https://169.254.169.254/x",
                                      "https://10.0.0.5/p", "ftp://push.example/x", "https://user:pw@push.example/x"])
def test_plain_http_private_addresses_and_odd_urls_are_refused(app, endpoint):
    assert endpoint_problem(endpoint) is not None


@pytest.mark.parametrize("entry", ["127.0.0.1", "127.0.0.0/8"])
def test_the_allow_list_takes_hosts_and_networks(app, entry):
    app.config["PUSH_ALLOWED_HOSTS"] = [entry]
    assert endpoint_problem("http://127.0.0.1:8123/push/token") is None
