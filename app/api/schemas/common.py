"""Shapes shared by every resource: the error body, pagination, id parameters."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

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
