"""Every setting a channel adapter reads, with its default: the one place these defaults are written.
app/config.py reads each from the environment (typed like its default), the adapters fall back to
them when a setting is absent, and the channel pool rebuilds an adapter when one of them changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CHANNEL_SETTINGS: dict[str, Any] = {
    # email: an SMTP server
    "EMAIL_HOST": "localhost",
    "EMAIL_PORT": 25,
    "EMAIL_HOST_USER": "",
    "EMAIL_HOST_PASSWORD": "",
    "EMAIL_USE_TLS": False,
    "EMAIL_USE_SSL": False,
    "EMAIL_TIMEOUT": 20.0,
    "EMAIL_MAX_PER_CONNECTION": 500,
    "DEFAULT_FROM_EMAIL": "Avisos <avisos@localhost>",
    # whatsapp: an Evolution API v2 gateway
    "EVOLUTION_API_URL": "",
    "EVOLUTION_API_KEY": "",
    "EVOLUTION_INSTANCE": "",
    "EVOLUTION_TIMEOUT": 30.0,
    "WHATSAPP_DEFAULT_COUNTRY_CODE": "593",
    # push: Web Push with VAPID
    "VAPID_PUBLIC_KEY": "",
    "VAPID_PRIVATE_KEY": "",
    "VAPID_CONTACT_EMAIL": "",
    "PUSH_TTL_SECONDS": 48 * 3600,
    "PUSH_TIMEOUT": 10.0,
    "PUSH_ICON_URL": "/static/icons/avisos-192.png",
    "PUSH_BADGE_URL": "/static/icons/avisos-badge.png",
}
# General settings an adapter reads too (push clicks open the customer app).
SHARED_SETTINGS = ("FRONTEND_URL",)


def setting(config: Mapping[str, Any], name: str) -> Any:
    """A channel setting from `config`, or its default when absent or None."""
    value = config.get(name)
    return CHANNEL_SETTINGS[name] if value is None else value
