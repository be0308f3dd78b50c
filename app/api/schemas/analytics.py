"""Analytics: summary, recent log rows, per-channel health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from app.analytics import REFERENCE_STATUSES
from app.channels import ChannelName
from app.models.enums import NotificationStatus

StatusName = Literal[NotificationStatus.ALL]  # type: ignore[valid-type]


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"days": 30}]})

    days: int = Field(default=30, ge=1, le=366)


class RecentQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"limit": 20, "channel": "email"}]})

    limit: int = Field(default=50, ge=1, le=500)
    channel: ChannelName | None = None
    status: StatusName | None = None


class Headline(BaseModel):
    total: int
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int
    delivery_rate: float | None


class DailyPoint(BaseModel):
    date: str
    total: int
    sent: int
    failed: int
    delivery_rate: float | None


class Period(BaseModel):
    days: int
    start: str
    end: str


class SummaryOut(BaseModel):
    period: Period
    total: int
    sent: int
    delivered: int
    failed: int
    pending: int
    cancelled: int
    delivery_rate: float | None = Field(description="Percent of finished messages that reached the provider")
    average_delivery_seconds: float | None
    by_status: dict[str, int]
    by_channel: dict[str, Headline]
    by_event_type: dict[str, int]
    daily: list[DailyPoint]


class RecentRow(BaseModel):
    id: str
    correlation_id: str
    event_type: str
    channel: str | None
    status: str
    recipient: str
    customer_ref: str
    subject: str
    attempts: int
    error_code: str
    error_reason: str
    created_at: str | None
    sent_at: str | None
    failed_at: str | None


class RecentList(RootModel[list[RecentRow]]):
    pass


class ChannelHealth(BaseModel):
    channel: str
    status: Literal["idle", "healthy", "degraded", "failing"]
    total: int
    successful: int
    failed: int
    pending: int
    success_rate: float | None
    last_success_at: str | None
    last_failure_at: str | None


class HealthOut(BaseModel):
    status: Literal["healthy", "degraded", "failing", "idle"]
    hours: int
    channels: list[ChannelHealth]


# The reference's shapes (its paths) ---------------------------------------------------------------
ReferenceStatus = Literal[REFERENCE_STATUSES]  # type: ignore[valid-type]


class ReferenceRecentQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"limit": 20, "status": "failed"}]})

    limit: int = Field(default=10, ge=1, le=10_000, description="At most 100 rows are returned")
    channel: ChannelName | None = None
    status: ReferenceStatus | None = None


class DailyBreakdown(BaseModel):
    date: str
    total: int
    sent: int
    delivered: int
    failed: int


class ReferenceSummaryOut(BaseModel):
    period_start: str
    period_end: str
    total_sent: int = Field(description="Reached the provider (sent, delivered or read)")
    total_delivered: int = Field(description="A delivery receipt arrived (delivered or read)")
    total_failed: int
    total_pending: int
    delivery_rate: float = Field(description="total_delivered / total_sent in percent; 0 when nothing was sent")
    avg_delivery_time_seconds: float | None = Field(description="Mean seconds from sent to the delivery receipt")
    by_channel: dict[str, int]
    by_status: dict[str, int]
    by_event_type: dict[str, int]
    daily_breakdown: list[DailyBreakdown]


class ReferenceRecentRow(BaseModel):
    id: str
    event_type: str
    channel: str | None
    recipient_id: str
    status: ReferenceStatus
    sent_at: str | None
    created_at: str | None
    template_name: str | None
    error_reason: str | None
    inferred_status: str
    avisos_status: StatusName = Field(description="Avisos' exact status")
    correlation_id: str


class ReferenceRecentList(RootModel[list[ReferenceRecentRow]]):
    pass


class ReferenceChannelHealth(BaseModel):
    total: int
    success: int
    failed: int
    success_rate: float = Field(description="success / total in percent; 0 without traffic")
    is_healthy: bool


class ReferenceHealthOut(BaseModel):
    email: ReferenceChannelHealth
    whatsapp: ReferenceChannelHealth
    push: ReferenceChannelHealth


class StrategyReachOut(BaseModel):
    """Per delivery strategy: client events, those whose customer was reached, messages sent, and
    the channels customers were reached on (events per channel)."""

    strategy: str
    events: int
    customers_reached: int
    messages_sent: int
    messages_per_customer_reached: float | None
    reached_by_channel: dict[str, int]
