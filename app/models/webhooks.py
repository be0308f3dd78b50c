"""Outbound webhook endpoints, the messages queued for them, every delivery attempt, and the
delivery receipts providers send us.

The signing secret must sign, so it is stored encrypted (Fernet, key derived from SECRET_KEY; see
app/integrations/webhooks/signing.py) and shown only once, when created or rotated.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow


class WebhookMessageStatus:
    PENDING = "pending"
    SENDING = "sending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"

    DUE = (PENDING, RETRYING)
    ALL = (PENDING, SENDING, RETRYING, DELIVERED, FAILED)


class WebhookEndpoint(UUIDPrimaryKey, Timestamps, db.Model):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(255), default="")
    # Subscribed event types (a list of strings from app.integrations.EVENT_TYPES).
    event_types: Mapped[list] = mapped_column(db.JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # First characters of the secret, so staff can tell secrets apart without seeing them.
    secret_hint: Mapped[str] = mapped_column(String(24), default="")
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Start of the current unbroken run of failures; cleared by any success.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str] = mapped_column(String(255), default="")


class WebhookMessage(UUIDPrimaryKey, db.Model):
    """One event for one endpoint; `payload` is the exact body signed and sent on every attempt."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        Index("ix_webhook_messages_status_due", "status", "next_attempt_at"),
        Index("ix_webhook_messages_endpoint_created", "endpoint_id", "created_at"),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=WebhookMessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: stable across retries and manual re-sends."""
        return f"msg_{self.id.hex}"


class WebhookAttempt(UUIDPrimaryKey, db.Model):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint_started", "endpoint_id", "started_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    # ok | failed
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(255), default="")
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderReceipt(UUIDPrimaryKey, db.Model):
    """One delivery receipt received from a provider (for the integration dashboard)."""

    __tablename__ = "provider_receipts"
    __table_args__ = (Index("ix_provider_receipts_received", "received_at"),)

    provider: Mapped[str] = mapped_column(String(32))
    provider_message_id: Mapped[str] = mapped_column(String(255), default="")
    provider_status: Mapped[str] = mapped_column(String(32), default="")
    # applied | ignored | unknown | rejected
    outcome: Mapped[str] = mapped_column(String(16))
    notification_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
