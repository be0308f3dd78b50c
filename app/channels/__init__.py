"""The channels Avisos delivers on, and their adapters (one module per channel behind
app.channels.base.Channel; registry.py maps each name to its adapter).

This is the one list of channel names: models, the orchestration core, the API's schemas, the
console and the seed data read it. It imports nothing, so the core may read it. A new channel is
its adapter module, its line in registry.py, its name here and the settings it reads in
settings.py, plus a migration for the workshops' `<name>_enabled` switch.
"""

from typing import Literal

# Canonical order: lists, forms, charts.
CHANNELS = ("email", "whatsapp", "push")
# The order channels are tried in for a customer who set no preference.
DEFAULT_ORDER = ("whatsapp", "email", "push")
CHANNEL_LABELS = {"email": "Email", "whatsapp": "WhatsApp", "push": "Push"}
# A channel name in a request body (pydantic validates it against CHANNELS).
ChannelName = Literal[CHANNELS]  # type: ignore[valid-type]
