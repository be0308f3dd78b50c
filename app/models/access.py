"""Console users and API keys (stored hashed; the key itself is shown once)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey

ROLES = ("admin", "operator", "viewer")


class User(UserMixin, UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Consecutive failed sign-ins; past the allowance each one delays the next attempt until
    # `locked_until` (app/console/auth.py).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie (get_id); raising it ends them all. Raised on
    # sign-out and whenever the password, the role or the active flag changes (below).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


@event.listens_for(User, "before_update")
def _end_sessions_on_credential_change(_mapper, _connection, user: User) -> None:
    """A new password, another role or deactivation ends the user's sessions, whoever changes them."""
    state = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in ("password_hash", "role", "is_active")):
        user.session_version = (user.session_version or 0) + 1


class ApiKey(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated scopes: dispatch read manage push
    scopes: Mapped[str] = mapped_column(String(255), default="dispatch read")
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
