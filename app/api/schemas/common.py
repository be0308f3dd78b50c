"""Shapes shared by every resource: the error body, pagination, id parameters."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str
    fields: dict[str, list[str] | str] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every 4xx/5xx under /api/: the structured error and a DRF-style `detail`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "error": {"code": "validation_error", "message": "The template is not valid.",
                  "fields": {"channel": ["must be one of: email, whatsapp, push"]}},
        "detail": "The template is not valid."}]})

    error: ErrorDetail
    detail: str


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
