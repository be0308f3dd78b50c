"""A real SMTP server on loopback (aiosmtpd) that records mail and replies as scripted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    """A loopback port free right now (aiosmtpd cannot bind port 0 and report it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


class _Recorder:
    """aiosmtpd handler: counts greetings, applies scripted replies, records accepted mail."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[ReceivedMail] = []
        self.ehlo_count = 0
        self.data_replies: deque[str] = deque()
        self.recipient_replies: dict[str, str] = {}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.ehlo_count += 1
        # With this hook defined, aiosmtpd leaves recording the greeting to us.
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            reply = self.recipient_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            if self.data_replies:
                return self.data_replies.popleft()
            raw = bytes(envelope.original_content or envelope.content)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            self.messages.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), raw, parsed))
        return "250 2.0.0 Message accepted for delivery"


class _TrackingController(Controller):
    """Keeps every SMTP session object so the peer can drop live connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        smtpd = super().factory()
        self.sessions.append(smtpd)
        return smtpd


class SmtpPeer:
    """Local SMTP server. `connections` counts EHLO greetings, i.e. client connections."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._handler = _Recorder()
        self.port = free_port()
        self._controller = _TrackingController(
            self._handler,
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.peer.test",
            ready_timeout=5.0,
        )

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def connections(self) -> int:
        with self._handler.lock:
            return self._handler.ehlo_count

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """EMAIL_* settings pointing at this server (plain SMTP, no login, short timeout)."""
        values: dict[str, Any] = {
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10.0,
            "EMAIL_MAX_PER_CONNECTION": 100,
            "DEFAULT_FROM_EMAIL": "Taller Avisos <avisos@taller.example>",
        }
        values.update(overrides)
        return values

    def fail_next(self, reply: str, times: int = 1) -> None:
        """Answer the next `times` DATA commands with `reply` (e.g. "451 4.3.0 try later")."""
        with self._handler.lock:
            self._handler.data_replies.extend([reply] * times)

    def reject_recipient(self, address: str, reply: str = "550 5.1.1 no such user") -> None:
        """Answer RCPT TO for `address` with `reply`, for every message until reset()."""
        with self._handler.lock:
            self._handler.recipient_replies[address.lower()] = reply

    def drop_connections(self) -> None:
        """Close every open client connection from the server side (like an idle timeout)."""
        future = asyncio.run_coroutine_threadsafe(self._close_transports(), self._controller.loop)
        future.result(timeout=5)

    async def _close_transports(self) -> None:
        for session in self._controller.sessions:
            if session.transport is not None:
                session.transport.close()
        await asyncio.sleep(0.05)

    def reset(self) -> None:
        """Forget recorded mail, counters and scripts."""
        with self._handler.lock:
            self._handler.messages.clear()
            self._handler.ehlo_count = 0
            self._handler.data_replies.clear()
            self._handler.recipient_replies.clear()

    def start(self) -> SmtpPeer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
