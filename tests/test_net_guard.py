"""The outbound address check shared by webhooks and pull-sync, and webhook delivery connecting to
exactly the address that check saw (no second DNS lookup between check and connection)."""

from __future__ import annotations

import socket

import pytest

from app import net_guard
from app.integrations.webhooks import delivery

NAME = "hooks.taller.test"  # resolvable only through the check's resolver (patched below)


@pytest.fixture
def check_resolves(monkeypatch):
    """check_resolves(address): the check sees NAME at `address`; the system resolver never sees NAME."""
    real = socket.getaddrinfo

    def system_resolver(host, *args, **kwargs):
        if host == NAME:
            raise AssertionError("the connection resolved the name again")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", system_resolver)

    real_resolve = net_guard.resolve

    def answer(address: str) -> None:
        monkeypatch.setattr(net_guard, "resolve",
                            lambda host, port: (address,) if host == NAME else real_resolve(host, port))

    return answer


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("169.254.169.254", False), ("::1", False),
    ("fe80::1", False), ("192.168.0.10", False), ("8.8.8.8", True), ("2001:4860:4860::8888", True),
])
def test_only_public_addresses_pass_without_the_allow_list(monkeypatch, address, allowed):
    monkeypatch.setattr(net_guard, "resolve", lambda host, port: (address,))
    assert (net_guard.check("h.test", 80, [], "X_ALLOWED_HOSTS").problem is None) is allowed


@pytest.mark.parametrize("entry", ["h.test", "H.TEST", "10.1.2.3", "10.0.0.0/8"])
def test_the_allow_list_names_a_host_an_address_or_a_network(monkeypatch, entry):
    monkeypatch.setattr(net_guard, "resolve", lambda host, port: ("10.1.2.3",))
    assert net_guard.check("h.test", 80, [entry], "X_ALLOWED_HOSTS").problem is None


def test_a_host_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    monkeypatch.setattr(net_guard, "resolve", lambda host, port: ("8.8.8.8", "10.0.0.1"))
    problem = net_guard.check("h.test", 80, [], "X_ALLOWED_HOSTS").problem
    assert "10.0.0.1" in problem and "X_ALLOWED_HOSTS" in problem


def test_webhook_delivery_connects_to_the_checked_address_keeping_the_host_name(app, webhook_receiver,
                                                                              check_resolves):
    check_resolves("127.0.0.1")
    app.config["WEBHOOK_ALLOWED_HOSTS"] = [NAME]
    url = f"http://{NAME}:{webhook_receiver.port}/hooks/avisos"
    webhook_receiver.reject_unverified = False
    outcome = delivery.post(url, b"{}", "msg_1", ["whsec_" + "A" * 32])
    assert outcome.ok, outcome
    [got] = webhook_receiver.received
    assert got.headers["host"] == f"{NAME}:{webhook_receiver.port}"


def test_a_name_that_now_resolves_elsewhere_is_not_followed(app, webhook_receiver, check_resolves):
    # The check saw a public address (unreachable here); the receiver on loopback must get nothing
    # even though a fresh lookup would lead there.
    check_resolves("203.0.113.9")
    app.config.update(WEBHOOK_ALLOWED_HOSTS=[NAME], WEBHOOK_TIMEOUT_SECONDS=1.0)
    url = f"http://{NAME}:{webhook_receiver.port}/hooks/avisos"
    outcome = delivery.post(url, b"{}", "msg_1", ["whsec_" + "A" * 32])
    assert not outcome.ok and webhook_receiver.received == []


def test_an_unpinned_host_is_never_connected_to():
    import requests

    session = requests.Session()
    session.mount("http://", net_guard.PinnedAdapter())
    with pytest.raises(requests.ConnectionError, match="not checked"):
        session.get("http://127.0.0.1:9/", timeout=1)


def test_https_keeps_the_host_name_for_sni_and_the_certificate_check():
    import requests

    adapter = net_guard.PinnedAdapter()
    adapter.pin(net_guard.Target("hooks.example.com", 443, ("93.184.216.34",), None))
    request = requests.Request("POST", "https://hooks.example.com/x").prepare()
    host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)
    assert host_params == {"scheme": "https", "host": "93.184.216.34", "port": None}
    assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "hooks.example.com"
