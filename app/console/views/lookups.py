"""Small helpers shared by the catalogue-style console pages: UUID list filters with options read
per request, choice lists and a JSON answer for form-error dictionaries."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy import select
from wtforms.validators import ValidationError

from app.channels import CHANNEL_LABELS
from app.extensions import db
from app.models import ServicePhase, ServiceType, Workshop
from app.models.base import parse_uuid
from app.models.enums import TARGET_LABELS


class LazyOptions:
    """Filter options read from the database each time the list renders (Flask-Admin caches a
    filter's options when the view is built, before any request or data exists)."""

    def __init__(self, load: Callable[[], list[tuple[str, str]]]):
        self.load = load

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        return iter(self.load())


class UUIDEqualFilter(FilterEqual):
    """Equality on a UUID column, with options fetched per request."""

    def __init__(self, column: Any, name: str, options: Callable[[], list[tuple[str, str]]]):
        super().__init__(column, name)
        self.lazy_options = LazyOptions(options)

    def get_options(self, view: Any) -> Any:
        return self.lazy_options

    def clean(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)



def channel_choices() -> list[tuple[str, str]]:
    return list(CHANNEL_LABELS.items())


def target_choices() -> list[tuple[str, str]]:
    return list(TARGET_LABELS.items())


def phase_options() -> list[tuple[str, str]]:
    phases = db.session.scalars(select(ServicePhase).order_by(ServicePhase.order)).all()
    return [(str(p.id), p.name) for p in phases]


def service_type_options(subtypes: bool = False) -> list[tuple[str, str]]:
    """Top-level types, or (with `subtypes`) only the subtypes, labelled with their parent."""
    query = select(ServiceType).order_by(ServiceType.order, ServiceType.name)
    query = query.where(ServiceType.parent_id.is_not(None) if subtypes else ServiceType.parent_id.is_(None))
    rows = db.session.scalars(query).all()
    return [(str(t.id), f"{t.parent.name} / {t.name}" if subtypes and t.parent else t.name) for t in rows]


def workshop_options() -> list[tuple[str, str]]:
    shops = db.session.scalars(select(Workshop).order_by(Workshop.name)).all()
    return [(str(s.id), s.name) for s in shops]


class UUIDKeyMixin:
    """Flask-Admin passes the row id from the URL as a string; our keys are UUIDs (SQLite's
    binding needs a UUID object). Bulk delete builds the same string query, so it is switched off."""

    action_disallowed_list = ("delete",)

    def get_one(self, id: str) -> Any:
        parsed = parse_uuid(id)
        return db.session.get(self.model, parsed) if parsed else None


class NormalisedSearchMixin:
    """The list's search box through app/records/search.py (accents, plates, phones normalised)
    instead of Flask-Admin's ILIKE per column: `search_condition(typed)` gives the list's condition.
    `column_searchable_list` still has to name a column, so that Flask-Admin shows the box."""

    search_hint: ClassVar[Any] = ""

    def search_condition(self, typed: str) -> Any:
        raise NotImplementedError

    def _apply_search(self, query, count_query, joins, count_joins, search):
        condition = self.search_condition(search)
        query = query.filter(condition)
        if count_query is not None:
            count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def search_placeholder(self) -> str:
        return str(self.search_hint)


class UUIDAjaxLoader(QueryAjaxModelLoader):
    """Select2 search over a large table (customers, vehicles) with UUID keys."""

    def get_one(self, pk: Any) -> Any:
        parsed = parse_uuid(pk)
        return db.session.get(self.model, parsed) if parsed else None


class SearchAjaxLoader(UUIDAjaxLoader):
    """A form's Select2 picker that searches like the lists (app/records/search.py): `search(term)`
    gives the condition, so "UCC-8299" or "Ordonez" find their rows here too."""

    def __init__(self, name: str, session: Any, model: Any, search: Callable[[str], Any], **options: Any):
        super().__init__(name, session, model, **options)
        self.search = search

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> Any:
        query = self.get_query()
        if term.strip():
            query = query.filter(self.search(term))
        if self.order_by:
            query = query.order_by(self.order_by)
        return query.offset(offset).limit(limit).all()


class Matches:
    """A regular-expression check whose (lazily translated) message is turned into a plain string
    when it fails: Flask-Admin's form template only shows errors that are `str`."""

    def __init__(self, pattern: str, message: Any):
        self.regex = re.compile(pattern)
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and not self.regex.match(field.data):
            raise ValidationError(str(self.message))


class Between:
    """A number range check with a plain-string message (see Matches). Empty values pass."""

    def __init__(self, minimum: int | None, maximum: int | None, message: Any):
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        if value is None:
            return
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ValidationError(str(self.message))


class PlainErrorsMixin:
    """Flask-Admin's form template skips error messages that are not `str`, and lazily translated
    ones (ours and Flask-Admin's own, e.g. "Already exists.") are not: make them plain strings."""

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        for field in form:
            if field.errors:
                field.errors = [str(message) for message in field.errors]
        return valid
