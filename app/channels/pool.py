"""Channel adapters kept per thread, so a worker reuses its SMTP connection and its HTTP connections."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from flask import current_app

from app.channels.base import Channel
from app.channels.registry import build_channel
from app.channels.settings import CHANNEL_SETTINGS, SHARED_SETTINGS

_local = threading.local()
# What an adapter is built from: a change to any of these rebuilds it.
_WATCHED = tuple(sorted((*CHANNEL_SETTINGS, *SHARED_SETTINGS)))


def _fingerprint(config: Mapping[str, Any]) -> tuple:
    return tuple((k, repr(config.get(k))) for k in _WATCHED)


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
