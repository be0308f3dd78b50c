"""Background tasks whose status callers poll (the reference's Celery task status, kept in the database)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow
from app.models.enums import TaskStatus


class BackgroundTask(UUIDPrimaryKey, db.Model):
    __tablename__ = "background_tasks"

    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.PENDING, index=True)
    payload: Mapped[Optional[dict | list]] = mapped_column(db.JSON)
    result: Mapped[Optional[dict | list]] = mapped_column(db.JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
