"""Thin-view helpers: parse a body or query with a pydantic model (400 naming each field),
look rows up by id (404), paginate in the reference's shape."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import request
from pydantic import AliasChoices, BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from app.api.json_body import body_json
from app.errors import ApiError, pydantic_fields
from app.extensions import db
from app.models.base import parse_uuid

M = TypeVar("M", bound=BaseModel)


def json_object() -> dict:
    """The body as a JSON object (400 naming the problem otherwise)."""
    payload = body_json()
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.", {"body": ["Expected a JSON object."]})
    return payload


def parse_body(model: type[M], payload: Any = None, what: str = "The request") -> M:
    """Validate the JSON body (or `payload`: PATCH merges the stored values with the sent ones).

    Write models refuse unknown fields and leave out echoed read-only ones (schemas.common.WriteModel).
    A field sent under two of its names (`service_type` and `service_type_id`) with different values
    is a 400 naming both."""
    data = json_object() if payload is None else payload
    if isinstance(data, dict):
        _check_alias_conflicts(model, data, what)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ApiError(400, "validation_error", f"{what} is not valid.", pydantic_fields(err)) from None


def parse_patch(model: type[M], stored: dict, what: str = "The request") -> M:
    """A PATCH: the sent fields (under any of their names) over the stored values, validated whole."""
    sent = json_object()
    _check_alias_conflicts(model, sent, what)
    return parse_body(model, {**stored, **_canonical_names(model, sent)}, what)


def _canonical_names(model: type[BaseModel], data: dict) -> dict:
    """Rename alias keys (`service_type_id`) to the field's first name (`service_type`)."""
    renames: dict[str, str] = {}
    for info in model.model_fields.values():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            first = str(alias.choices[0])
            renames.update({str(choice): first for choice in alias.choices[1:]})
    return {renames.get(k, k): v for k, v in data.items()}


def _check_alias_conflicts(model: type[BaseModel], data: dict, what: str) -> None:
    fields: dict[str, list[str]] = {}
    for info in model.model_fields.values():
        alias = info.validation_alias
        if not isinstance(alias, AliasChoices):
            continue
        names = [str(choice) for choice in alias.choices if str(choice) in data]
        if len(names) > 1 and any(data[n] != data[names[0]] for n in names[1:]):
            for name in names:
                fields[name] = [f"Sent as {' and '.join(names)} with different values; send one."]
    if fields:
        raise ApiError(400, "validation_error", f"{what} is not valid.", fields)


def parse_query(model: type[M]) -> M:
    """Validate the query string (unknown parameters are ignored: caches and clients add their own;
    a parameter given under two of its names with different values is a 400 naming both)."""
    data = {k: v for k, v in request.args.items() if v != ""}
    _check_alias_conflicts(model, data, "The query")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ApiError(400, "validation_error", "The query parameters are not valid.", pydantic_fields(err)) from None



def get_or_404(model: type, ident: Any, noun: str) -> Any:
    parsed = parse_uuid(ident)
    row = db.session.get(model, parsed) if parsed else None
    if row is None:
        raise ApiError(404, "not_found", f"No {noun} with id '{ident}'.")
    return row


def not_found(noun: str, ident: Any) -> ApiError:
    return ApiError(404, "not_found", f"No {noun} '{ident}'.")


def paginate(query: Select, serialise, page: int, page_size: int) -> dict:
    """The reference's page: count, next, previous (absolute URLs) and results; 404 past the end."""
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    last = max(1, -(-count // page_size))
    if page > last:
        raise ApiError(404, "invalid_page", "Invalid page.", {"page": [f"There are {last} pages."]})
    rows = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {
        "count": count,
        "next": _page_url(page + 1, page_size) if page < last else None,
        "previous": _page_url(page - 1, page_size) if page > 1 else None,
        "results": [serialise(r) for r in rows],
    }


def _page_url(page: int, page_size: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    args["page_size"] = str(page_size)
    return f"{request.base_url}?{urlencode(args)}"


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def str_or_none(value) -> str | None:
    return str(value) if value is not None else None
