"""Messages customers send to the workshop's WhatsApp number (Evolution `messages.upsert`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, UUIDPrimaryKey, utcnow
from app.models.customers import Customer
from app.models.notifications import Notification


class InboundMessage(UUIDPrimaryKey, db.Model):
    """One text a customer (or an unknown number) sent us; idempotent by the provider's message id."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # The Respuestas inbox: open messages, newest first.
        Index("ix_inbound_status_received", "status", "received_at"),
        Index("ix_inbound_customer_created", "customer_id", "created_at"),
    )

    provider: Mapped[str] = mapped_column(String(32), default="evolution")
    provider_message_id: Mapped[str] = mapped_column(String(255), unique=True)
    instance: Mapped[str] = mapped_column(String(128), default="")
    # E.164 digits without '+', as Evolution's remoteJid gives them.
    phone: Mapped[str] = mapped_column(String(32), index=True)
    push_name: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    message_type: Mapped[str] = mapped_column(String(64), default="")
    # text | opt_out | opt_in
    kind: Mapped[str] = mapped_column(String(16), default="text")
    customer_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="SET NULL")
    )
    # The notification this message answers: the quoted one (stanzaId), else the last sent to the number.
    notification_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    # quoted | last | "" (nothing sent to that number yet)
    link: Mapped[str] = mapped_column(String(16), default="")
    quoted_message_id: Mapped[str] = mapped_column(String(255), default="")
    # open | answered | handled
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    handled_by: Mapped[str] = mapped_column(String(254), default="")
    # The staff answer sent from the console (a normal WhatsApp notification row).
    reply_notification_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        Uuid, ForeignKey("notifications.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Optional[Customer]] = relationship()
    notification: Mapped[Optional[Notification]] = relationship(foreign_keys=[notification_id])
    reply_notification: Mapped[Optional[Notification]] = relationship(foreign_keys=[reply_notification_id])
