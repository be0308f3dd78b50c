"""Channel adapters kept per thread, so a worker reuses one SMTP connection and one HTTP session."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from flask import current_app

from app.channels.base import Channel
from app.channels.registry import build_channel

_PREFIXES = ("EMAIL_", "DEFAULT_FROM_EMAIL", "EVOLUTION_", "WHATSAPP_", "VAPID_", "PUSH_", "FRONTEND_URL")
_local = threading.local()


_keys_by_config: dict[tuple[int, int], tuple[str, ...]] = {}


def _fingerprint(config: Mapping[str, Any]) -> tuple:
    # The channel setting names are found once per config object and size (a new setting changes
    # the size); their values are compared on every call.
    marker = (id(config), len(config))
    keys = _keys_by_config.get(marker)
    if keys is None:
        if len(_keys_by_config) > 64:
            _keys_by_config.clear()
        keys = _keys_by_config[marker] = tuple(sorted(k for k in config if k.startswith(_PREFIXES)))
    return tuple((k, repr(config.get(k))) for k in keys)


def get_channel(name: str, config: Mapping[str, Any] | None = None) -> Channel:
    """The adapter for `name` in this thread, rebuilt when the channel settings change."""
    config = config if config is not None else current_app.config
    key = (name, _fingerprint(config))
    pool: dict = getattr(_local, "pool", None) or {}
    _local.pool = pool
    adapter = pool.get(key)
    if adapter is None:
        for old_key in [k for k in pool if k[0] == name]:
            pool.pop(old_key).close()
        adapter = pool[key] = build_channel(name, config)
    return adapter


def close_all() -> None:
    pool: dict = getattr(_local, "pool", None) or {}
    for adapter in pool.values():
        adapter.close()
    pool.clear()
