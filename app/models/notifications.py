"""Accepted events, the notifications they produce (one message on one channel) and delivery attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow
from app.models.enums import NotificationStatus


class DispatchEvent(UUIDPrimaryKey, db.Model):
    """The accepted event as received: what fallback and late customers are planned from."""

    __tablename__ = "dispatch_events"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_events_idempotency"),
        Index("ix_events_waiting", "status", "customer_ref"),
    )

    correlation_id: Mapped[str] = mapped_column(String(128), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    # None for a custom event that names no service type.
    service_type_slug: Mapped[Optional[str]] = mapped_column(String(64))
    subtype_slug: Mapped[Optional[str]] = mapped_column(String(64))
    phase_slug: Mapped[Optional[str]] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(16))
    workshop_id: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid)
    customer_ref: Mapped[str] = mapped_column(String(128))
    context: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # The channels the event may use (None: every channel), e.g. a reminder's notify_via.
    channels: Mapped[Optional[list]] = mapped_column(db.JSON)
    # accepted | waiting_for_customer | planned | expired
    status: Mapped[str] = mapped_column(String(24), default="planned")
    api_key_id: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(255))
    request_hash: Mapped[Optional[str]] = mapped_column(String(64))
    response: Mapped[Optional[dict]] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    planned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Delivery policy (app/orchestration/policy.py): not before `send_at`; "urgent" skips windows and
    # caps; the strategy the event was planned with (all | first_available; None for fallbacks' view).
    send_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    strategy: Mapped[str] = mapped_column(String(24), default="all")


class Notification(UUIDPrimaryKey, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The sweeper and the delivery lanes: claimable rows by due time.
        Index("ix_notifications_status_due", "status", "next_retry_at"),
        # The claim: oldest claimable rows first, without touching the (much larger) sent history.
        Index("ix_notifications_claimable", "created_at",
              postgresql_where=text("status IN ('queued', 'retrying')"),
              sqlite_where=text("status IN ('queued', 'retrying')")),
        # The log and analytics: newest first, per channel and status.
        Index("ix_notifications_created", "created_at"),
        Index("ix_notifications_channel_status_created", "channel", "status", "created_at"),
        # The log filtered by status alone (failed rows, the dashboard's latest failures), newest first.
        Index("ix_notifications_status_created", "status", "created_at"),
        # Scheduled rows by planned time: the release step reads only the due ones, so any number
        # of scheduled rows costs the claim and the log nothing.
        Index("ix_notifications_scheduled", "scheduled_at",
              postgresql_where=text("status = 'scheduled'"), sqlite_where=text("status = 'scheduled'")),
        # Per-customer caps: the customer's messages on a channel counted by the cap, recent first.
        Index("ix_notifications_cap", "customer_id", "channel", "cap_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dispatch_events.id", ondelete="CASCADE"), index=True
    )
    correlation_id: Mapped[str] = mapped_column(String(128), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    # Looked up through ix_notifications_cap, which starts with it (no index of its own).
    customer_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="SET NULL")
    )
    customer_ref: Mapped[str] = mapped_column(String(128))
    target: Mapped[str] = mapped_column(String(16), default="clients")
    channel: Mapped[Optional[str]] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255), default="")
    template_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notification_templates.id", ondelete="SET NULL")
    )
    # The template version the message was rendered from (kept while referenced: app/catalog/versions.py).
    template_version_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("template_versions.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    # Extra channel data fixed at planning time (push url/tag, unsubscribe link...).
    payload: Mapped[Optional[dict]] = mapped_column(db.JSON)
    status: Mapped[str] = mapped_column(String(24), default=NotificationStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=4)
    next_retry_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Delivery policy: the time a `scheduled` row is planned for (kept once released, for the log),
    # why it waited (send_at | window | cap | reminder), whether it skips windows and caps, and
    # when the per-customer cap counted it (it is counted once, retries included).
    scheduled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    hold_reason: Mapped[str] = mapped_column(String(16), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    cap_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claim_token: Mapped[Optional[str]] = mapped_column(String(64))
    # The claiming process (app/delivery/claimers.py): its rows are given back soon after it dies.
    claimed_by: Mapped[Optional[int]] = mapped_column(Integer)
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_reason: Mapped[str] = mapped_column(Text, default="")
    provider_message_id: Mapped[Optional[str]] = mapped_column(String(255), index=True)
    parent_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    failed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    event: Mapped[DispatchEvent] = relationship()
    parent: Mapped[Optional["Notification"]] = relationship(remote_side="Notification.id")
    attempts_log: Mapped[list["DeliveryAttempt"]] = relationship(
        back_populates="notification", order_by="DeliveryAttempt.number", cascade="all, delete-orphan"
    )


class DeliveryAttempt(UUIDPrimaryKey, db.Model):
    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_attempts_started", "started_at"),)

    notification_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    # ok | transient | permanent
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    provider_message_id: Mapped[Optional[str]] = mapped_column(String(255))
    response_summary: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    notification: Mapped[Notification] = relationship(back_populates="attempts_log")
