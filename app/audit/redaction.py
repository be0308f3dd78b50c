"""The one redaction rule of the audit log: a field whose name matches any of SECRET_PATTERNS is
stored as REDACTED (that it changed is kept; never its value). This covers password hashes, API key
hashes, webhook signing secrets (current and previous), pull-sync connection URLs (with their
credentials), tokens, channel credentials (EMAIL_HOST_PASSWORD, EVOLUTION_API_KEY) and VAPID
private keys, in model columns and in the `changes` of explicitly recorded entries alike.
Add a pattern here when a new kind of secret appears; nothing else redacts audit entries."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "***"
SECRET_PATTERNS = (
    "password", "passwd", "secret", "token", "key_hash", "api_key", "private_key", "credential",
    "_encrypted", "authorization",
)
_SECRET = re.compile("|".join(re.escape(p) for p in SECRET_PATTERNS), re.IGNORECASE)


def is_secret(field: str) -> bool:
    return bool(_SECRET.search(field))


def redact_value(field: str, value: Any) -> Any:
    """REDACTED for a secret field that has a value; None/empty stay as they are (set vs unset)."""
    if is_secret(field) and value not in (None, ""):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    return value


def redact_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` ({field: [before, after]} or {field: value}) with every secret replaced."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if isinstance(value, list) and len(value) == 2 and is_secret(field):
            out[field] = [redact_value(field, value[0]), redact_value(field, value[1])]
        else:
            out[field] = redact_value(field, value)
    return out
