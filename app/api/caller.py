"""Who is calling the JSON API (an API key, a core-issued JWT or an anonymous compat browser)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ANONYMOUS_NAME = "anonymous-compat"


@dataclass(frozen=True)
class ApiCaller:
    api_key_id: object
    name: str
    scopes: frozenset[str]
    expires_at: datetime | None

    @property
    def anonymous(self) -> bool:
        """A browser without credentials, let in by AUTH_MODE=compat on a compat endpoint."""
        return self.api_key_id is None and self.name == ANONYMOUS_NAME

    @property
    def rate_key(self) -> str:
        """What rate limits count against: the key or the JWT subject (anonymous callers: their
        address, see app/api/limits.py)."""
        return f"key:{self.api_key_id}" if self.api_key_id else f"caller:{self.name}"
