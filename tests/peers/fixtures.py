"""pytest fixtures for the local peers. Loaded by the root conftest via pytest_plugins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from app.channels.push import generate_vapid_keys
from tests.peers.evolution import EvolutionPeer
from tests.peers.push_service import PushServicePeer
from tests.peers.smtp import SmtpPeer
from tests.peers.webhook_receiver import webhook_receiver

__all__ = ["VapidKeys", "evolution_peer", "make_push_peer", "push_peer", "smtp_peer", "vapid_keys", "webhook_receiver"]


class VapidKeys(NamedTuple):
    """A VAPID pair in the format the settings take (base64url)."""

    public: str
    private: str

    def settings(self, contact: str = "mailto:avisos@taller.example", **overrides: Any) -> dict[str, Any]:
        """VAPID_* / PUSH_* settings for these keys."""
        values: dict[str, Any] = {
            "VAPID_PUBLIC_KEY": self.public,
            "VAPID_PRIVATE_KEY": self.private,
            "VAPID_CONTACT_EMAIL": contact,
            "PUSH_TTL_SECONDS": 48 * 3600,
            "PUSH_TIMEOUT": 10.0,
            "PUSH_ICON_URL": "/static/icons/avisos-192.png",
            "PUSH_BADGE_URL": "/static/icons/avisos-badge.png",
            "FRONTEND_URL": "https://taller.example",
        }
        values.update(overrides)
        return values


@pytest.fixture
def smtp_peer() -> Iterator[SmtpPeer]:
    """A started SMTP server on loopback; see SmtpPeer.settings() for EMAIL_* values."""
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def evolution_peer() -> Iterator[EvolutionPeer]:
    """A started Evolution API stand-in; see EvolutionPeer.settings() for EVOLUTION_* values."""
    peer = EvolutionPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def push_peer() -> Iterator[PushServicePeer]:
    """A started push service; make_subscriber() gives subscriptions pointing at it."""
    peer = PushServicePeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def make_push_peer() -> Iterator[Callable[[], PushServicePeer]]:
    """Factory for extra push services (other origins), all stopped at teardown."""
    peers: list[PushServicePeer] = []

    def make() -> PushServicePeer:
        peers.append(PushServicePeer().start())
        return peers[-1]

    yield make
    for peer in peers:
        peer.stop()


@pytest.fixture(scope="session")
def vapid_keys() -> VapidKeys:
    """A fresh VAPID key pair from generate_vapid_keys()."""
    return VapidKeys(*generate_vapid_keys())
