"""WhatsAppChannel against a local Evolution API v2 stand-in."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.channels.base import Message
from app.channels.whatsapp import WhatsAppChannel
from tests.peers.evolution import EvolutionPeer, error_body
from tests.peers.forward_proxy import ForwardProxy
from tests.peers.smtp import free_port


def make_message(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "notification_id": "n-1",
        "channel": "whatsapp",
        "recipient": "0991234567",
        "subject": "",
        "body": "Hola Ana, su vehículo está listo.",
    }
    values.update(overrides)
    return Message(**values)


@pytest.fixture
def make_channel(evolution_peer: EvolutionPeer):
    """Adapters on the peer, with settings overrides; closed at teardown."""
    adapters: list[WhatsAppChannel] = []

    def make(**overrides: Any) -> WhatsAppChannel:
        adapters.append(WhatsAppChannel.from_config(evolution_peer.settings(**overrides)))
        return adapters[-1]

    yield make
    for adapter in adapters:
        adapter.close()


@pytest.fixture
def channel(make_channel) -> WhatsAppChannel:
    return make_channel()


def test_send_posts_normalised_number_and_text(channel, evolution_peer):
    result = channel.send(make_message())

    assert result.ok
    [request] = evolution_peer.received
    assert request.method == "POST"
    assert request.path == f"/message/sendText/{evolution_peer.instance}"
    assert request.json == {"number": "593991234567", "text": "Hola Ana, su vehículo está listo."}


def test_international_number_keeps_its_country_code(channel, evolution_peer):
    channel.send(make_message(recipient="+57 300 123 4567"))

    assert evolution_peer.sent[0]["number"] == "573001234567"


def test_send_authenticates_with_apikey_header(channel, evolution_peer):
    channel.send(make_message())

    [request] = evolution_peer.received
    assert request.headers["apikey"] == evolution_peer.api_key


def test_key_id_is_kept_as_provider_message_id(channel, evolution_peer):
    result = channel.send(make_message())

    assert result.provider_message_id.startswith("3EB0")
    assert result.provider_message_id in result.response_summary
    assert result.response_summary.startswith("201 ")


def test_500_is_transient(channel, evolution_peer):
    evolution_peer.script(500, error_body(500, "Internal Server Error", ["Connection Closed"]))

    result = channel.send(make_message())

    assert result.outcome == "transient"
    assert result.error_code == "evolution_500"


def test_timeout_is_transient(make_channel, evolution_peer):
    adapter = make_channel(EVOLUTION_TIMEOUT=0.3)
    evolution_peer.script(delay=1.0)
    started = time.monotonic()

    result = adapter.send(make_message())

    assert result.outcome == "transient"
    assert result.error_code == "evolution_timeout"
    assert time.monotonic() - started < 0.9


def test_number_not_on_whatsapp_is_permanent(channel, evolution_peer):
    evolution_peer.script_not_registered()

    result = channel.send(make_message())

    assert result.outcome == "permanent"
    assert result.error_code == "whatsapp_not_registered"
    assert not result.config_problem


def test_other_400_is_permanent_with_status_code(channel, evolution_peer):
    evolution_peer.script(400, error_body(400, "Bad Request", ["number must be a string"]))

    result = channel.send(make_message())

    assert result.outcome == "permanent"
    assert result.error_code == "evolution_400"
    assert "number must be a string" in result.error_message


def test_blank_text_is_permanent_without_calling_the_api(channel, evolution_peer):
    result = channel.send(make_message(body="   "))

    assert result.error_code == "empty_message"
    assert evolution_peer.received == []


def test_wrong_api_key_is_permanent_config_problem(make_channel):
    adapter = make_channel(EVOLUTION_API_KEY="wrong-key")

    result = adapter.send(make_message())

    assert result.outcome == "permanent"
    assert result.error_code == "evolution_unauthorized"
    assert result.config_problem


def test_unknown_instance_is_permanent_config_problem(make_channel):
    adapter = make_channel(EVOLUTION_INSTANCE="otra")

    result = adapter.send(make_message())

    assert result.error_code == "evolution_instance_not_found"
    assert result.config_problem


def test_429_is_transient_with_retry_after(channel, evolution_peer):
    evolution_peer.script(429, error_body(429, "Too Many Requests", []), headers={"Retry-After": "7"})

    result = channel.send(make_message())

    assert result.outcome == "transient"
    assert result.retry_after == 7.0


def test_unreachable_api_is_transient():
    adapter = WhatsAppChannel(f"http://127.0.0.1:{free_port()}", "k", "avisos-test", timeout=1.0)

    result = adapter.send(make_message())

    assert result.outcome == "transient"
    assert result.error_code == "evolution_connection_error"


def test_a_url_without_http_scheme_is_a_permanent_config_problem():
    adapter = WhatsAppChannel("evolution.taller.local:8080", "k", "avisos-test", timeout=1.0)

    result = adapter.send(make_message())

    assert (result.outcome, result.error_code, result.config_problem) == ("permanent", "evolution_invalid_url", True)


def test_a_redirect_is_not_followed_and_is_a_permanent_config_problem(channel, evolution_peer):
    evolution_peer.script(301, {}, headers={"Location": "https://evolution.example.com/message/sendText/x"})

    result = channel.send(make_message())

    assert (result.outcome, result.error_code, result.config_problem) == ("permanent", "evolution_redirect", True)
    assert "https://evolution.example.com/message/sendText/x" in result.error_message
    assert len(evolution_peer.received) == 1


@pytest.fixture
def forward_proxy(monkeypatch):
    """HTTP_PROXY names a started forwarding proxy; nothing bypasses it."""
    proxy = ForwardProxy().start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    yield proxy
    proxy.stop()


def test_the_environment_proxy_carries_the_call(make_channel, evolution_peer, forward_proxy):
    adapter = make_channel()

    result = adapter.send(make_message())

    assert result.outcome == "ok"
    assert forward_proxy.request_lines == [f"POST {evolution_peer.url}/message/sendText/avisos-test"]
    assert evolution_peer.sent == [{"number": "593991234567", "text": "Hola Ana, su vehículo está listo."}]


def test_no_proxy_sends_the_call_straight_to_the_gateway(make_channel, evolution_peer, forward_proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    adapter = make_channel()

    result = adapter.send(make_message())

    assert result.outcome == "ok"
    assert forward_proxy.request_lines == []
    assert len(evolution_peer.sent) == 1


def test_unconfigured_is_permanent_config_problem():
    result = WhatsAppChannel.from_config({}).send(make_message())

    assert result.error_code == "whatsapp_not_configured"
    assert result.config_problem


def test_invalid_number_is_permanent_without_calling_the_api(channel, evolution_peer):
    result = channel.send(make_message(recipient="12"))

    assert result.outcome == "permanent"
    assert result.error_code == "invalid_number"
    assert evolution_peer.received == []


def test_summary_never_contains_the_api_key(channel, evolution_peer):
    evolution_peer.script(
        500, error_body(500, "Internal Server Error", [f"bad key {evolution_peer.api_key}"])
    )

    result = channel.send(make_message())

    assert evolution_peer.api_key not in repr(result)


def test_check_reports_open_state(channel, evolution_peer):
    result = channel.check()

    assert result.ok
    assert "open" in result.detail
    assert evolution_peer.received[0].path == f"/instance/connectionState/{evolution_peer.instance}"


def test_check_fails_when_instance_is_not_connected(channel, evolution_peer):
    evolution_peer.set_state("close")

    result = channel.check()

    assert not result.ok
    assert "close" in result.detail


def test_check_fails_with_wrong_api_key(make_channel):
    adapter = make_channel(EVOLUTION_API_KEY="wrong-key")

    result = adapter.check()

    assert not result.ok
    assert "401" in result.detail


def _unsure(**overrides: Any) -> Message:
    from datetime import UTC, datetime, timedelta

    return make_message(unsure_since=datetime.now(UTC) - timedelta(seconds=5), **overrides)


def test_find_sent_returns_the_id_of_a_text_the_gateway_took(make_channel, evolution_peer):
    adapter = make_channel(EVOLUTION_TIMEOUT=0.3)
    evolution_peer.script(delay=1.0)
    assert adapter.send(make_message()).error_code == "evolution_timeout"

    lookup = adapter.find_sent(_unsure())

    assert lookup.status == "found" and len(lookup.provider_message_ids) == 1
    [query] = [r.json for r in evolution_peer.lookups]
    assert query["where"]["key"] == {"remoteJid": "593991234567@s.whatsapp.net", "fromMe": True}


def test_find_sent_ignores_other_texts_and_older_messages(channel, evolution_peer):
    channel.send(make_message(body="Otro texto"))
    assert channel.find_sent(_unsure()).status == "absent"
    channel.send(make_message())
    from datetime import UTC, datetime, timedelta

    later = make_message(unsure_since=datetime.now(UTC) + timedelta(minutes=5))
    assert channel.find_sent(later).status == "absent"


@pytest.mark.parametrize(("status", "expected"), [(500, "unavailable"), (404, "unsupported"), (401, "unsupported")])
def test_find_sent_tells_a_gateway_down_from_one_that_cannot_be_asked(channel, evolution_peer, status, expected):
    evolution_peer.find_status = status

    assert channel.find_sent(_unsure()).status == expected
