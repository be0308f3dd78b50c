"""Pull-sync sources (a client's database we read customers and vehicles from) and their runs.

The connection URL holds credentials: it is stored encrypted (Fernet, key from
SYNC_ENCRYPTION_KEY or else derived from SECRET_KEY) and never shown after it is saved; the
console shows `url_summary` (backend, host, database) instead.

Watermarks are per entity: {"customers": {"at": <value>, "key": <value>}, ...}, each value tagged
with its type so it is bound back to the source exactly as it was read (app/sync/pull.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import fernet
from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

# Reference columns (database-pull-integration.md): our field -> the client's column.
DEFAULT_CUSTOMER_COLUMNS = {
    "customer_id": "user_id", "name": "name", "email": "email", "phone": "phone", "updated_at": "updated_at",
}
DEFAULT_VEHICLE_COLUMNS = {
    "plate": "plate", "customer_id": "user_id", "brand": "brand", "model": "model", "year": "year",
    "current_kilometers": "current_kilometers", "updated_at": "updated_at",
}


class UnreadableSecret(Exception):
    """The stored URL cannot be decrypted (the key changed): enter the URL again."""


def _fernet() -> Fernet:
    return fernet("sync-sources", current_app.config.get("SYNC_ENCRYPTION_KEY") or "")


class SyncSource(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "sync_sources"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    url_encrypted: Mapped[str] = mapped_column(Text)
    url_summary: Mapped[str] = mapped_column(String(255), default="")
    customer_table: Mapped[str] = mapped_column(String(255), default="")
    customer_columns: Mapped[dict] = mapped_column(db.JSON, default=dict)
    vehicle_table: Mapped[str] = mapped_column(String(255), default="")
    vehicle_columns: Mapped[dict] = mapped_column(db.JSON, default=dict)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=15)
    batch_size: Mapped[int] = mapped_column(Integer, default=500)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    watermarks: Mapped[dict] = mapped_column(db.JSON, default=dict)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Held by the run in progress, so the scheduler and "sincronizar ahora" never overlap.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    runs: Mapped[list[SyncRun]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="SyncRun.started_at.desc()",
        lazy="dynamic",
    )

    def set_url(self, url: str) -> None:
        """Encrypt and keep `url`; the summary keeps only backend, host and database."""
        parsed = make_url(url)
        self.url_encrypted = _fernet().encrypt(url.encode()).decode()
        host = f"{parsed.host}:{parsed.port}" if parsed.port else (parsed.host or "")
        self.url_summary = f"{parsed.get_backend_name()}://{host}/{parsed.database or ''}"[:255]

    def get_url(self) -> str:
        try:
            return _fernet().decrypt(self.url_encrypted.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret("The stored connection URL cannot be decrypted; enter it again.") from None

    def __str__(self) -> str:
        return self.name


class SyncRun(UUIDPrimaryKey, db.Model):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_source_started", "source_id", "started_at"),)

    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("sync_sources.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")  # schedule | manual
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | success | failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_upserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Per entity counts and the first rejected rows, for the console.
    details: Mapped[dict | None] = mapped_column(db.JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    source: Mapped[SyncSource] = relationship(back_populates="runs")
