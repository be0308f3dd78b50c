"""Files uploaded in the console between "preview" and "confirm", kept under a random token."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _folder() -> Path:
    folder = Path(current_app.config.get("IMPORT_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "avisos-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes) -> str:
    """Keep `data`; returns the token that reads it back."""
    token = secrets.token_urlsafe(24)
    path = _folder() / f"{token}.csv"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(data)
    return token


def load(token: str) -> bytes | None:
    """The file kept under `token`, or None (unknown, malformed or already used)."""
    if not _TOKEN.match(token or ""):
        return None
    path = _folder() / f"{token}.csv"
    return path.read_bytes() if path.exists() else None


def discard(token: str) -> None:
    if _TOKEN.match(token or ""):
        (_folder() / f"{token}.csv").unlink(missing_ok=True)
