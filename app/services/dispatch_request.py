"""Validation of the dispatch payload (the reference contract), with every problem named by field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from app.errors import ApiError
from app.models.enums import TARGETS


class DispatchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_type: StrictStr = Field(min_length=1, max_length=64)
    service_type_id: StrictStr = Field(min_length=1, max_length=64)
    phase_id: StrictStr | None = Field(default=None, max_length=64)
    customer_id: StrictStr = Field(min_length=1, max_length=128)
    target: StrictStr = "clients"
    context: dict[str, Any] = Field(default_factory=dict)
    subtype_id: StrictStr | None = Field(default=None, max_length=64)
    taller_id: StrictStr | None = Field(default=None, max_length=64)
    correlation_id: StrictStr | None = Field(default=None, max_length=128)

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if value not in TARGETS:
            raise ValueError(f"must be one of: {', '.join(TARGETS)}")
        return value

    @field_validator("context")
    @classmethod
    def _flat_context(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k, v in value.items() if isinstance(v, (dict, list))]
        if bad:
            raise ValueError(f"values must be text or numbers (not objects or lists): {', '.join(sorted(bad))}")
        return value


def pydantic_fields(err: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in err.errors():
        name = ".".join(str(p) for p in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        fields.setdefault(name, []).append(message)
    return fields


def parse_dispatch(payload: Any) -> DispatchRequest:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.", {"body": ["Expected a JSON object."]})
    try:
        return DispatchRequest.model_validate(payload)
    except ValidationError as err:
        raise ApiError(400, "validation_error", "The event is not valid.", pydantic_fields(err)) from None
