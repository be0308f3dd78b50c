"""Standard Webhooks signing, and the encryption of signing secrets at rest.

A secret is `whsec_` + base64 of 24 random bytes; the HMAC key is the decoded bytes. The signature
covers `"{webhook-id}.{webhook-timestamp}.{body}"` over the exact bytes sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

from app.crypto import fernet

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    """A new signing secret, shown to staff once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_hint(secret: str) -> str:
    """Enough of a secret to tell two apart in the console, never enough to use it."""
    return secret[: len(SECRET_PREFIX) + 4] + "…"


def _key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64 HMAC-SHA256>` signature."""
    to_sign = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key_bytes(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers; during a rotation every live secret signs."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_),
    }


def _fernet() -> Fernet:
    # Derived from SECRET_KEY: rotating SECRET_KEY makes stored webhook secrets unreadable
    # (endpoints then need a secret rotation in the console).
    return fernet("webhook-secrets")


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    """The stored secret, or None when SECRET_KEY changed since it was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
