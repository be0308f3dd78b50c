"""Channel name -> adapter class. A new channel is one module plus one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.channels.base import Channel
from app.channels.email import EmailChannel
from app.channels.push import PushChannel
from app.channels.whatsapp import WhatsAppChannel

CHANNEL_CLASSES: dict[str, type[Channel]] = {
    "email": EmailChannel,
    "whatsapp": WhatsAppChannel,
    "push": PushChannel,
}


class UnknownChannelError(KeyError):
    """No adapter is registered under that name."""


def build_channel(name: str, config: Mapping[str, Any]) -> Channel:
    """Build the adapter registered as `name` from the settings mapping."""
    try:
        channel_class = CHANNEL_CLASSES[name]
    except KeyError:
        raise UnknownChannelError(
            f"unknown channel {name!r}; known: {', '.join(sorted(CHANNEL_CLASSES))}"
        ) from None
    return channel_class.from_config(config)
