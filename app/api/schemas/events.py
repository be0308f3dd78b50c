"""Dispatch responses (the request body is app/dispatch/request.py's DispatchRequest)."""

from __future__ import annotations

from pydantic import BaseModel


class QueuedNotification(BaseModel):
    id: str
    channel: str | None
    recipient: str
    status: str


class DispatchAccepted(BaseModel):
    success: bool
    status: str
    correlation_id: str
    notifications_queued: int
    errors: list[str]
    notifications: list[QueuedNotification]
    message: str | None = None


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
