"""A webhook receiver on loopback that verifies Standard Webhooks signatures independently, with the
`standardwebhooks` reference library (not our signing code), and can fail N times then recover."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.peers import HttpPeer, PeerHandler


@dataclass(frozen=True)
class Received:
    """One request: its headers, raw body, whether some configured secret verified it, and the answer."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified_by: tuple[int, ...]
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def verified(self) -> bool:
        return bool(self.verified_by)


class ReceiverHandler(PeerHandler):
    server: Any

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionResetError:
            pass  # a kept-alive client went away

    def do_POST(self) -> None:
        peer: WebhookReceiver = self.server.peer
        body = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = tuple(i for i, secret in enumerate(peer.secrets) if _verifies(secret, body, headers))
        with peer.lock:
            status = peer.fail_status if peer.failures_left > 0 else peer.ok_status
            if peer.failures_left > 0:
                peer.failures_left -= 1
            if peer.reject_unverified and not verified:
                status = 401
            peer.received.append(Received(self.path, headers, body, verified, status))
        self.reply(status, {"received": status < 300})


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
        return True
    except WebhookVerificationError:
        return False


class WebhookReceiver(HttpPeer):
    handler_class = ReceiverHandler

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self.failures_left = 0
        self.fail_status = 500
        self.ok_status = 204
        self.reject_unverified = True

    def fail_next(self, times: int, status: int = 500) -> None:
        """Answer `status` to the next `times` requests, then recover."""
        with self.lock:
            self.failures_left, self.fail_status = times, status

    @property
    def endpoint(self) -> str:
        return self.url + "/hooks/avisos"


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A started receiver; set `.secrets` to the endpoint's secret(s) after creating the endpoint."""
    from app import integrations

    peer = WebhookReceiver().start()
    yield peer
    peer.stop()
    integrations.invalidate_subscriptions()  # the endpoints pointing here are gone with the test's rows
