"""EmailChannel against a real local SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from app.channels.base import Message
from app.channels.email import EmailChannel
from tests.peers.smtp import SmtpPeer, free_port

TEXT = "Hola Ana,\nsu vehículo ABC-123 está listo para retirar."
FRAGMENT = "<p>Hola Ana,</p><p>su veh&iacute;culo <strong>ABC-123</strong> est&aacute; listo.</p>"


def lines(text: str) -> str:
    """Content as the sender wrote it: SMTP carries CRLF line ends."""
    return text.replace("\r\n", "\n").strip()


def make_message(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "notification_id": "n-1",
        "channel": "email",
        "recipient": "ana@cliente.example",
        "subject": "Su vehículo está listo",
        "body": TEXT,
        "html_body": FRAGMENT,
    }
    values.update(overrides)
    return Message(**values)


@pytest.fixture
def channel(smtp_peer: SmtpPeer):
    adapter = EmailChannel.from_config(smtp_peer.settings(EMAIL_TIMEOUT=10.0))
    yield adapter
    adapter.close()


def test_send_delivers_multipart_with_real_text_and_html_parts(channel, smtp_peer):
    result = channel.send(make_message())

    assert result.ok
    [mail] = smtp_peer.messages
    assert mail.message.get_content_type() == "multipart/alternative"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    html = mail.message.get_body(preferencelist=("html",)).get_content()
    assert lines(text) == TEXT
    assert FRAGMENT in html and html.lstrip().startswith("<!DOCTYPE html>")


def test_send_sets_envelope_and_address_headers(channel, smtp_peer):
    channel.send(make_message())

    [mail] = smtp_peer.messages
    assert mail.mail_from == "avisos@taller.example"
    assert mail.rcpt_tos == ("ana@cliente.example",)
    assert mail.message["To"] == "ana@cliente.example"
    assert mail.message["Subject"] == "Su vehículo está listo"


def test_message_id_and_date_are_set_and_message_id_is_returned(channel, smtp_peer):
    result = channel.send(make_message())

    [mail] = smtp_peer.messages
    assert mail.message["Message-ID"] == result.provider_message_id
    assert result.provider_message_id.endswith("@taller.example>")
    sent_at = parsedate_to_datetime(mail.message["Date"])
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60


def test_empty_html_body_sends_text_only(channel, smtp_peer):
    channel.send(make_message(html_body=""))

    [mail] = smtp_peer.messages
    assert mail.message.get_content_type() == "text/plain"
    assert lines(mail.message.get_content()) == TEXT


def test_list_unsubscribe_headers_when_payload_asks(channel, smtp_peer):
    url = "https://avisos.example/u/tok123"
    channel.send(make_message(payload={"list_unsubscribe_url": url}))

    [mail] = smtp_peer.messages
    assert mail.message["List-Unsubscribe"] == f"<{url}>"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_transactional_mail_has_no_list_unsubscribe(channel, smtp_peer):
    channel.send(make_message())

    [mail] = smtp_peer.messages
    assert mail.message["List-Unsubscribe"] is None


def test_three_sends_reuse_one_connection(channel, smtp_peer):
    results = [channel.send(make_message(notification_id=f"n-{i}")) for i in range(3)]

    assert all(result.ok for result in results)
    assert len(smtp_peer.messages) == 3
    assert smtp_peer.connections == 1


def test_connection_is_renewed_after_max_per_connection(smtp_peer):
    adapter = EmailChannel.from_config(smtp_peer.settings(EMAIL_MAX_PER_CONNECTION=2))
    try:
        results = [adapter.send(make_message()) for _ in range(3)]
    finally:
        adapter.close()

    assert all(result.ok for result in results)
    assert smtp_peer.connections == 2


def test_reconnects_after_server_drops_connection(channel, smtp_peer):
    assert channel.send(make_message()).ok
    smtp_peer.drop_connections()

    result = channel.send(make_message(notification_id="n-2"))

    assert result.ok
    assert len(smtp_peer.messages) == 2
    assert smtp_peer.connections == 2


def test_451_reply_is_transient(channel, smtp_peer):
    smtp_peer.fail_next("451 4.3.0 try later")

    result = channel.send(make_message())

    assert result.outcome == "transient"
    assert result.error_code == "smtp_451"
    assert smtp_peer.messages == []


def test_connection_stays_usable_after_a_refused_message(channel, smtp_peer):
    smtp_peer.fail_next("451 4.3.0 try later")
    channel.send(make_message())

    assert channel.send(make_message()).ok
    assert smtp_peer.connections == 1


def test_550_recipient_is_permanent(channel, smtp_peer):
    smtp_peer.reject_recipient("nadie@cliente.example", "550 5.1.1 no such user")

    result = channel.send(make_message(recipient="nadie@cliente.example"))

    assert result.outcome == "permanent"
    assert result.error_code == "smtp_550"
    assert not result.config_problem


def test_550_data_reply_is_permanent(channel, smtp_peer):
    smtp_peer.fail_next("550 5.7.1 message rejected")

    result = channel.send(make_message())

    assert result.outcome == "permanent"
    assert result.error_code == "smtp_550"


def test_unreachable_server_is_transient():
    adapter = EmailChannel(host="127.0.0.1", port=free_port(), timeout=1.0)

    result = adapter.send(make_message())

    assert result.outcome == "transient"
    assert result.error_code == "smtp_connection_error"


def test_invalid_recipient_is_permanent_without_connecting(channel, smtp_peer):
    result = channel.send(make_message(recipient="not-an-address"))

    assert result.outcome == "permanent"
    assert result.error_code == "invalid_recipient"
    assert smtp_peer.connections == 0


def test_header_injection_is_refused_as_permanent(channel, smtp_peer):
    result = channel.send(make_message(subject="Hola\r\nBcc: victim@example.com"))

    assert result.outcome == "permanent"
    assert result.error_code == "invalid_message"
    assert smtp_peer.messages == []


def test_close_ends_the_kept_connection(channel, smtp_peer):
    channel.send(make_message())
    channel.close()

    assert channel.send(make_message()).ok
    assert smtp_peer.connections == 2


def test_check_succeeds_against_live_server(channel, smtp_peer):
    result = channel.check()

    assert result.ok
    assert str(smtp_peer.port) in result.detail
    assert smtp_peer.messages == []


def test_check_fails_when_server_unreachable():
    result = EmailChannel(host="127.0.0.1", port=free_port(), timeout=1.0, password="s3cret").check()

    assert not result.ok
    assert "s3cret" not in result.detail


def test_each_notification_keeps_one_message_id_across_attempts(channel, smtp_peer):
    message = make_message(notification_id="5f0c9a52-8c1e-4d43-9a53-2b1f0e7d6c11")

    first, second = channel.send(message), channel.send(message)

    assert first.provider_message_id == second.provider_message_id == "<5f0c9a52-8c1e-4d43-9a53-2b1f0e7d6c11@taller.example>"
