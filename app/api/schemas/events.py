"""Dispatch responses (the request body is app/dispatch/request.py's DispatchRequest)."""

from __future__ import annotations

from pydantic import BaseModel


class QueuedNotification(BaseModel):
    id: str
    channel: str | None
    recipient: str
    status: str
    # status "scheduled": when it is planned to go out (ISO 8601 with offset): send_at, the
    # workshop's send window or the opening's backlog slot.
    scheduled_at: str | None = None


class ScheduledReminder(BaseModel):
    """The appointment reminder an appointment_scheduled event scheduled (orchestration config
    `reminder_hours_before`); cancel or replace it through its correlation_id."""

    correlation_id: str
    send_at: str
    notifications: list[QueuedNotification]


class DispatchAccepted(BaseModel):
    success: bool
    status: str
    correlation_id: str
    notifications_queued: int
    errors: list[str]
    notifications: list[QueuedNotification]
    message: str | None = None
    reminder: ScheduledReminder | None = None


class LastError(BaseModel):
    code: str
    message: str


class LastAttempt(BaseModel):
    number: int
    outcome: str
    error_code: str
    at: str | None
    duration_ms: int


class NotificationStatusOut(BaseModel):
    id: str
    channel: str | None
    recipient: str
    status: str
    attempts: int
    max_attempts: int
    next_retry_at: str | None
    last_error: LastError | None
    provider_message_id: str | None
    parent_id: str | None
    created_at: str | None
    sent_at: str | None
    delivered_at: str | None
    failed_at: str | None
    last_attempt: LastAttempt | None
    # Delivery policy: the planned time of a scheduled row (kept once it went out), why it waited
    # (send_at | window | cap | reminder, "" when it did not) and whether it skips windows and caps.
    scheduled_at: str | None = None
    hold_reason: str = ""
    urgent: bool = False


class CancelledRow(BaseModel):
    id: str
    correlation_id: str
    channel: str | None
    status: str
    sent_at: str | None


class EventCancelOut(BaseModel):
    """POST .../events/{correlation_id}/cancel/: 200 when nothing was sent, 409 (same body plus
    `error`) listing `already_sent` when some notifications went out before the cancellation."""

    correlation_id: str
    cancelled: list[CancelledRow]
    already_cancelled: list[CancelledRow]
    already_sent: list[CancelledRow]
    failed: list[CancelledRow]
    error: str | None = None
    code: str | None = None


class EventStatusOut(BaseModel):
    correlation_id: str
    notifications: list[NotificationStatusOut]


class DatabaseInfo(BaseModel):
    engine: str
    name: str | None
    host: str | None
    port: int | None
    user: str | None
    version: str | None
    is_supabase: bool


class ConnectionInfo(BaseModel):
    max_age: int | None
    health_checks_enabled: bool


class DatabaseHealthOut(BaseModel):
    """`status` for anyone; the details only for a caller with the read scope."""

    status: str
    database: DatabaseInfo | None = None
    connection: ConnectionInfo | None = None
    error: str | None = None
