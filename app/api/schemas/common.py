"""Shapes shared by every resource: the error body, pagination, id parameters."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.channels import CHANNELS

T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str
    fields: dict[str, list[str] | str] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every 4xx/5xx under /api/: the structured error and a DRF-style `detail`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": {"code": "validation_error", "message": "The template is not valid.",
                  "fields": {"channel": [f"must be one of: {', '.join(CHANNELS)}"]}},
        "detail": "The template is not valid."}]})

    error: ErrorDetail
    detail: str


class FlatErrorBody(BaseModel):
    """Errors of the dispatch endpoint, where the reference's clients read `error` as a string (the
    Ambacar PWA shows `data.error || data.detail`): one readable sentence in `error` and `detail`,
    the code and fields beside them."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": "The event references unknown data (service_type_id: Unknown service type 'x'.)",
        "detail": "The event references unknown data (service_type_id: Unknown service type 'x'.)",
        "code": "validation_error", "fields": {"service_type_id": ["Unknown service type 'x'."]}}]})

    error: str
    detail: str
    code: str = Field(examples=["validation_error"])
    fields: dict[str, list[str] | str] = Field(default_factory=dict)


class WriteModel(BaseModel):
    """A write body: unknown fields are refused (400 naming them), never dropped; the read-only
    fields of the resource's own representation (`READ_ONLY`: `id`, `created_at`, ...) may be sent
    back, as a client that PUTs the object it read does, and are left out (nested items too)."""

    model_config = ConfigDict(extra="forbid")
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _without_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.READ_ONLY:
            return {k: v for k, v in data.items() if k not in cls.READ_ONLY}
        return data


class Page(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1, le=1_000_000, description="1-based page number")
    page_size: int = Field(default=20, ge=1, le=100, description="Items per page (at most 100)")


class Deleted(BaseModel):
    """204 responses have no body."""
