"""Validation of the dispatch payload (the reference contract), with every problem named by field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator, model_validator

from app.channels import CHANNELS, ChannelName
from app.errors import ApiError, pydantic_fields
from app.models.enums import TARGETS
from app.orchestration.planning import CUSTOM_EVENT


class DispatchRequest(BaseModel):
    """The reference's dispatch body. Unknown fields are refused (400 naming them), never dropped.
    `service_type_id` and `phase_id` may be null for custom events (the Ambacar PWA sends nulls)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_type: StrictStr = Field(min_length=1, max_length=64)
    # Required, but null is allowed for custom events.
    service_type_id: StrictStr | None = Field(min_length=1, max_length=64)
    phase_id: StrictStr | None = Field(default=None, max_length=64)
    customer_id: StrictStr = Field(min_length=1, max_length=128)
    target: StrictStr = "clients"
    context: dict[str, Any] = Field(default_factory=dict)
    subtype_id: StrictStr | None = Field(default=None, max_length=64)
    taller_id: StrictStr | None = Field(default=None, max_length=64)
    correlation_id: StrictStr | None = Field(default=None, max_length=128)
    # Avisos' extension: the channels this event may use (default: every channel). A maintenance
    # reminder passes the reminder's notify_via here.
    channels: list[ChannelName] | None = Field(default=None, min_length=1, max_length=len(CHANNELS))
    # Avisos' delivery policy (docs/ORCHESTRATION.md): deliver at this time (ISO 8601 with its
    # offset; past or within a minute: now; at most MAX_SCHEDULE_DAYS ahead), and "urgent" to skip
    # send windows and per-customer caps.
    send_at: StrictStr | None = Field(default=None, max_length=64)
    priority: Literal["normal", "urgent"] = "normal"

    @field_validator("send_at")
    @classmethod
    def _aware_time(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError("must be an ISO 8601 time, e.g. 2026-01-20T14:30:00-05:00") from None
        if parsed.tzinfo is None:
            raise ValueError("must carry its UTC offset, e.g. 2026-01-20T14:30:00-05:00")
        return value

    def send_at_time(self) -> datetime | None:
        """send_at as an aware datetime (validated above)."""
        if self.send_at is None:
            return None
        return datetime.fromisoformat(self.send_at.replace("Z", "+00:00").replace("z", "+00:00"))

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if value not in TARGETS:
            raise ValueError(f"must be one of: {', '.join(TARGETS)}")
        return value

    @model_validator(mode="after")
    def _service_type_unless_custom(self) -> "DispatchRequest":
        if self.service_type_id is None and self.event_type != CUSTOM_EVENT:
            raise ValueError("service_type_id: This field is required (it may be null only for custom events).")
        return self

    @field_validator("context")
    @classmethod
    def _flat_context(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k, v in value.items() if isinstance(v, (dict, list))]
        if bad:
            raise ValueError(f"values must be text or numbers (not objects or lists): {', '.join(sorted(bad))}")
        return value


def parse_dispatch(payload: Any) -> DispatchRequest:
    """The validated dispatch body; 400 naming every problem."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.", {"body": ["Expected a JSON object."]})
    try:
        return DispatchRequest.model_validate(payload)
    except ValidationError as err:
        raise ApiError(400, "validation_error", "The event is not valid.", pydantic_fields(err)) from None
