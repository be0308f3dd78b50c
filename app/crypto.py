"""The one Fernet key derivation for secrets Avisos stores encrypted (pull-sync connection URLs,
webhook signing secrets): each purpose has its own key, derived from SECRET_KEY unless a key of its
own is configured. Changing SECRET_KEY makes the derived ones unreadable (the console says so)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from flask import current_app


def fernet(purpose: str, configured: str = "") -> Fernet:
    """The Fernet for `purpose`: `configured` when it is a Fernet key, else a key derived from it (or,
    when empty, from SECRET_KEY) and the purpose."""
    if configured:
        try:
            return Fernet(configured.encode())
        except ValueError:
            pass  # not a Fernet key: derive one from the text
    material = configured or current_app.config["SECRET_KEY"]
    digest = hashlib.sha256(f"avisos-{purpose}:".encode() + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
