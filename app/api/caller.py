"""Who is calling the JSON API (an API key, a core-issued JWT or an anonymous compat browser)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApiCaller:
    api_key_id: object
    name: str
    scopes: frozenset[str]
    expires_at: datetime | None

    @property
    def rate_key(self) -> str:
        """What rate limits count against: the key, the JWT subject or the browser's address."""
        return f"key:{self.api_key_id}" if self.api_key_id else f"caller:{self.name}"
