"""PushChannel against local push services that verify VAPID and decrypt the payload."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from py_vapid import Vapid

from app.channels.base import Message, PushTarget
from app.channels.push import MAX_PAYLOAD_BYTES, PushChannel, b64url_decode, generate_vapid_keys
from tests.peers.push_service import VapidRejectedError, verify_vapid
from tests.peers.smtp import free_port


def make_message(*targets, **overrides: Any) -> Message:
    values: dict[str, Any] = {
        "notification_id": "n-1",
        "channel": "push",
        "recipient": "cust-42",
        "subject": "Vehículo listo",
        "body": "Su vehículo ABC-123 está listo para retirar.",
        "payload": {"url": "https://taller.example/ordenes/7", "tag": "orden-7", "data": {"order": 7}},
        "push_targets": tuple(targets),
    }
    values.update(overrides)
    return Message(**values)


@pytest.fixture
def settings(vapid_keys) -> dict[str, Any]:
    return vapid_keys.settings()


@pytest.fixture
def channel(settings):
    adapter = PushChannel.from_config(settings)
    yield adapter
    adapter.close()


def test_payload_decrypts_to_the_notification_json(channel, push_peer, settings):
    subscriber = push_peer.make_subscriber()

    result = channel.send(make_message(subscriber.target("sub-1")))

    assert result.ok
    [record] = push_peer.received
    assert record.payload == {
        "title": "Vehículo listo",
        "body": "Su vehículo ABC-123 está listo para retirar.",
        "url": "https://taller.example/ordenes/7",
        "icon": settings["PUSH_ICON_URL"],
        "badge": settings["PUSH_BADGE_URL"],
        "tag": "orden-7",
        "id": "n-1",
        "data": {"order": 7},
    }
    assert result.delivered_push_targets == ("sub-1",)


def test_defaults_title_and_url_when_message_has_none(channel, push_peer, settings):
    subscriber = push_peer.make_subscriber()

    channel.send(make_message(subscriber.target(), subject="", payload={}))

    payload = push_peer.received[0].payload
    assert payload["title"] == "Avisos"
    assert payload["url"] == settings["FRONTEND_URL"]
    assert payload["data"] == {}


def test_ttl_header_is_the_configured_ttl(channel, push_peer, settings):
    channel.send(make_message(push_peer.make_subscriber().target()))

    [record] = push_peer.received
    assert record.ttl == settings["PUSH_TTL_SECONDS"]
    assert record.ttl > 0
    assert record.headers["content-encoding"] == "aes128gcm"


def test_vapid_token_is_verified_for_the_endpoint_origin(channel, push_peer, vapid_keys):
    channel.send(make_message(push_peer.make_subscriber().target()))

    [record] = push_peer.received
    assert record.status == 201
    assert record.claims["aud"] == push_peer.url
    assert record.claims["sub"] == "mailto:avisos@taller.example"
    assert time.time() < record.claims["exp"] <= time.time() + 24 * 3600
    assert record.vapid_key == vapid_keys.public


def test_plain_contact_email_becomes_a_mailto_subject(vapid_keys, push_peer):
    adapter = PushChannel.from_config(vapid_keys.settings(contact="avisos@taller.example"))

    adapter.send(make_message(push_peer.make_subscriber().target()))

    assert push_peer.received[0].claims["sub"] == "mailto:avisos@taller.example"


def test_two_push_services_each_get_their_own_audience(channel, push_peer, make_push_peer):
    other = make_push_peer()
    first, second = push_peer.make_subscriber(), other.make_subscriber()

    result = channel.send(make_message(first.target("a"), second.target("b")))

    assert result.ok
    assert result.delivered_push_targets == ("a", "b")
    assert push_peer.delivered[0].claims["aud"] == push_peer.url
    assert other.delivered[0].claims["aud"] == other.url


def test_urgency_and_topic_headers(channel, push_peer):
    subscriber = push_peer.make_subscriber()

    channel.send(make_message(subscriber.target(), payload={"topic": "orden-7"}))

    headers = push_peer.received[0].headers
    assert headers["urgency"] == "normal"
    assert headers["topic"] == "orden-7"


def test_invalid_topic_is_left_out(channel, push_peer):
    channel.send(make_message(push_peer.make_subscriber().target(), payload={"topic": "no spaces allowed!"}))

    assert "topic" not in push_peer.received[0].headers


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_alone_is_permanent_and_reported(channel, push_peer, status):
    subscriber = push_peer.make_subscriber()
    push_peer.script(subscriber.token, status)

    result = channel.send(make_message(subscriber.target("sub-1")))

    assert result.outcome == "permanent"
    assert result.error_code == "push_subscription_gone"
    assert result.gone_push_targets == ("sub-1",)


def test_gone_subscription_is_reported_while_another_delivers(channel, push_peer):
    gone, alive = push_peer.make_subscriber(), push_peer.make_subscriber()
    push_peer.script(gone.token, 410)

    result = channel.send(make_message(gone.target("old"), alive.target("new")))

    assert result.ok
    assert result.gone_push_targets == ("old",)
    assert result.delivered_push_targets == ("new",)


def test_429_is_transient_with_retry_after(channel, push_peer):
    subscriber = push_peer.make_subscriber()
    push_peer.script(subscriber.token, 429, headers={"Retry-After": "30"})

    result = channel.send(make_message(subscriber.target()))

    assert result.outcome == "transient"
    assert result.error_code == "push_429"
    assert result.retry_after == 30.0


def test_500_is_transient(channel, push_peer):
    subscriber = push_peer.make_subscriber()
    push_peer.script(subscriber.token, 500)

    result = channel.send(make_message(subscriber.target()))

    assert result.outcome == "transient"


def test_transient_failure_wins_over_gone_and_still_reports_gone(channel, push_peer):
    gone, busy = push_peer.make_subscriber(), push_peer.make_subscriber()
    push_peer.script(gone.token, 410)
    push_peer.script(busy.token, 503)

    result = channel.send(make_message(gone.target("old"), busy.target("busy")))

    assert result.outcome == "transient"
    assert result.gone_push_targets == ("old",)


def test_403_is_permanent_config_problem(channel, push_peer, vapid_keys):
    subscriber = push_peer.make_subscriber()
    push_peer.script(subscriber.token, 403)

    result = channel.send(make_message(subscriber.target()))

    assert result.outcome == "permanent"
    assert result.config_problem
    assert result.gone_push_targets == ()
    assert vapid_keys.private not in repr(result)


def test_413_is_permanent_payload_too_large(channel, push_peer):
    subscriber = push_peer.make_subscriber()
    push_peer.script(subscriber.token, 413)

    result = channel.send(make_message(subscriber.target()))

    assert result.error_code == "push_payload_too_large"
    assert not result.config_problem


def test_long_body_is_truncated_to_fit_the_limit(channel, push_peer):
    long_body = "Revisión de frenos completada. " * 400

    result = channel.send(make_message(push_peer.make_subscriber().target(), body=long_body))

    assert result.ok
    [record] = push_peer.received
    assert len(record.plaintext) <= MAX_PAYLOAD_BYTES
    assert len(record.plaintext) > MAX_PAYLOAD_BYTES - 40
    assert record.payload["body"].endswith("…")
    assert long_body.startswith(record.payload["body"][:-1])


def test_unreachable_push_service_is_transient(channel, push_peer):
    live = push_peer.make_subscriber()
    dead = PushTarget(
        id="dead", endpoint=f"http://127.0.0.1:{free_port()}/push/x", p256dh=live.p256dh, auth=live.auth
    )

    result = channel.send(make_message(dead))

    assert result.outcome == "transient"
    assert result.error_code == "push_connection_error"


def test_no_targets_is_permanent(channel):
    result = channel.send(make_message())

    assert result.outcome == "permanent"
    assert result.error_code == "no_push_subscription"


def test_missing_vapid_keys_is_permanent_config_problem(push_peer):
    result = PushChannel.from_config({}).send(make_message(push_peer.make_subscriber().target()))

    assert result.error_code == "push_not_configured"
    assert result.config_problem
    assert push_peer.received == []


def test_check_passes_with_matching_keys(channel):
    result = channel.check()

    assert result.ok


def test_check_fails_when_public_key_does_not_match(vapid_keys):
    other_public, _ = generate_vapid_keys()

    result = PushChannel.from_config(vapid_keys.settings(VAPID_PUBLIC_KEY=other_public)).check()

    assert not result.ok
    assert "does not match" in result.detail


def test_check_fails_when_keys_are_missing():
    result = PushChannel.from_config({}).check()

    assert not result.ok
    assert "missing" in result.detail


def test_check_fails_when_private_key_is_garbage(vapid_keys):
    result = PushChannel.from_config(vapid_keys.settings(VAPID_PRIVATE_KEY="not-a-key")).check()

    assert not result.ok
    assert "not-a-key" not in result.detail


def test_generated_keys_are_an_uncompressed_point_and_a_raw_scalar():
    public, private = generate_vapid_keys()

    assert len(b64url_decode(public)) == 65 and b64url_decode(public)[0] == 4
    assert len(b64url_decode(private)) == 32
    assert "=" not in public + private


def test_payload_json_is_compact(channel, push_peer):
    channel.send(make_message(push_peer.make_subscriber().target()))

    plaintext = push_peer.received[0].plaintext
    assert plaintext == json.dumps(json.loads(plaintext), separators=(",", ":"), ensure_ascii=False).encode()


def test_peer_rejects_a_token_signed_for_another_origin(vapid_keys):
    # Guards the peer itself, so the audience assertions above mean something.
    vapid = Vapid.from_string(vapid_keys.private)
    header = vapid.sign(
        {"sub": "mailto:a@b.example", "aud": "http://127.0.0.1:1", "exp": int(time.time()) + 60}
    )
    with pytest.raises(VapidRejectedError):
        verify_vapid(header["Authorization"], "http://127.0.0.1:2")
