"""Delivery policy (send windows, backlog rate, per-customer caps, urgent phases): our own paths."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from app.api.schemas.common import WriteModel


class ChannelPolicyIn(WriteModel):
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"inherited", "next_send_if_sent_now", "preview"})

    hours: dict[str, list[StrictStr]] | None = Field(
        default=None, description='Weekly send window in the workshop\'s time zone, e.g. {"mon": ["08:00-19:00"], '
                                  '"sat": ["08:00-13:00"]}; a day left out is closed; null: any hour')
    closed_dates: list[StrictStr] = Field(default_factory=list, max_length=400,
                                          description="Closed dates (holidays), YYYY-MM-DD")
    per_minute: float | None = Field(default=None, gt=0, le=100_000,
                                     description="Backlog spread when the window opens (messages a minute)")
    cap_count: int | None = Field(default=None, ge=0, le=10_000,
                                  description="Messages per customer per rolling window (0: no cap; null: default)")
    cap_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60, description="The cap's rolling window")


class DeliveryPolicyIn(WriteModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "timezone": "America/Guayaquil",
        "channels": {"whatsapp": {"hours": {"mon": ["08:00-19:00"], "tue": ["08:00-19:00"], "wed": ["08:00-19:00"],
                                            "thu": ["08:00-19:00"], "fri": ["08:00-19:00"], "sat": ["08:00-13:00"]},
                                  "closed_dates": ["2026-12-25"], "per_minute": 30, "cap_count": 5, "cap_minutes": 60}},
    }]})
    READ_ONLY: ClassVar[frozenset[str]] = frozenset({"taller_id"})

    timezone: StrictStr | None = Field(default=None, max_length=64, description="IANA name (workshops only)")
    channels: dict[StrictStr, ChannelPolicyIn | None] = Field(
        default_factory=dict, description="Channels to replace; null puts a channel back on the default")


class ChannelPolicyOut(BaseModel):
    hours: dict[str, list[str]] | None
    closed_dates: list[str]
    per_minute: float | None
    cap_count: int | None
    cap_minutes: int | None
    inherited: bool
    next_send_if_sent_now: str
    preview: str


class DeliveryPolicyOut(BaseModel):
    taller_id: str | None
    timezone: str
    channels: dict[str, ChannelPolicyOut]


class PolicyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    taller_id: str | None = Field(default=None, max_length=100, description="A workshop's id or code; absent: global")


class UrgentPhaseIn(WriteModel):
    slug: StrictStr = Field(description="The phase's slug")
    until: StrictStr | None = Field(default=None, description='Local hour ("HH:MM", e.g. "21:00") the phase is urgent '
                                                             "until, from the day's opening; null: at any hour")


class UrgentPhases(WriteModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"phases": ["phase-delivery", {"slug": "phase-ready", "until": "21:00"}]}]})

    phases: list[StrictStr | UrgentPhaseIn] = Field(
        description='Phases whose messages skip windows and caps: a slug (urgent at any hour) or '
                    '{"slug": ..., "until": "HH:MM"} (outside the window only until that local hour)')
    urgent_until: dict[StrictStr, StrictStr | None] = Field(
        default_factory=dict, description='Each urgent phase\'s bound by slug ("HH:MM" or null: at any hour), as '
                                          "read; on a write it bounds slugs given plainly in `phases`")


class UrgentPhasesOut(BaseModel):
    phases: list[str] = Field(description="Slugs of the urgent phases")
    urgent_until: dict[str, str | None] = Field(description='Each urgent phase\'s bound ("HH:MM"; null: at any hour)')
