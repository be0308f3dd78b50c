"""The channel registry: names to adapter classes, built from settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from app.channels import CHANNEL_LABELS, CHANNELS, DEFAULT_ORDER, registry
from app.channels.base import CheckResult, Message, SendResult
from app.channels.email import EmailChannel
from app.channels.push import PushChannel
from app.channels.registry import CHANNEL_CLASSES, UnknownChannelError, build_channel
from app.channels.whatsapp import WhatsAppChannel
from app.config import Config


def test_registry_maps_the_three_channels():
    assert CHANNEL_CLASSES == {"email": EmailChannel, "whatsapp": WhatsAppChannel, "push": PushChannel}


def test_the_registry_has_an_adapter_for_every_channel_name_and_no_other():
    assert tuple(CHANNEL_CLASSES) == CHANNELS
    assert set(DEFAULT_ORDER) == set(CHANNEL_LABELS) == set(CHANNELS)


@pytest.mark.parametrize("name", sorted(CHANNEL_CLASSES))
def test_build_channel_from_app_settings_gives_a_named_adapter(name):
    settings = {key: value for key, value in vars(Config()).items() if key.isupper()}

    channel = build_channel(name, settings)

    assert isinstance(channel, CHANNEL_CLASSES[name])
    assert channel.name == name
    channel.close()


def test_build_channel_passes_settings_through(smtp_peer):
    channel = build_channel("email", smtp_peer.settings())

    assert channel.check().ok


def test_unknown_channel_is_refused():
    with pytest.raises(UnknownChannelError, match="sms"):
        build_channel("sms", {})


def test_a_new_channel_needs_only_a_registry_entry(monkeypatch):
    class EchoChannel:
        name = "echo"

        def send(self, message: Message) -> SendResult:
            return SendResult.success(provider_message_id=message.notification_id)

        def check(self) -> CheckResult:
            return CheckResult(True, "echo")

        def close(self) -> None:
            pass

        @classmethod
        def from_config(cls, config: Mapping[str, Any]) -> EchoChannel:
            return cls()

    monkeypatch.setitem(registry.CHANNEL_CLASSES, "echo", EchoChannel)
    message = Message(notification_id="n-9", channel="echo", recipient="x", subject="", body="hola")

    assert build_channel("echo", {}).send(message).provider_message_id == "n-9"
