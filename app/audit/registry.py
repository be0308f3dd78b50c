"""Which models are audited, under which entity name, and which of their columns are operational
state rather than configuration (not recorded). entities.py holds the registrations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect

# Bookkeeping columns no entry records, on any model.
ALWAYS_IGNORED = frozenset({"created_at", "updated_at"})


@dataclass(frozen=True)
class Audited:
    model: type
    entity: str
    ignore: frozenset[str] = frozenset()
    # field -> action: an update that changes the field is recorded as that action ("revoke").
    actions: tuple[tuple[str, str], ...] = ()
    label: Callable[[Any], str] | None = None  # the row's name in entries (default: default_label)
    ignored: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ignored", ALWAYS_IGNORED | self.ignore)


_by_model: dict[type, Audited] = {}
_by_table: dict[str, Audited] = {}


def register(model: type, entity: str, *, ignore: tuple[str, ...] = (), actions: dict[str, str] | None = None,
             label: Callable[[Any], str] | None = None) -> Audited:
    """Audit `model`'s changes as `entity` (one line per model in entities.py)."""
    entry = Audited(model, entity, frozenset(ignore), tuple((actions or {}).items()), label)
    for attr in inspect(model).column_attrs:
        if attr.key not in entry.ignored:
            # Setting an attribute whose value was expired (after a commit) loads the old value
            # first, so the entry has its "before".
            event.listen(getattr(model, attr.key), "set", _keep_old_value, active_history=True)
    _by_model[model] = entry
    _by_table[model.__table__.name] = entry
    return entry


def _keep_old_value(_target, value, _old, _initiator):
    return value


def for_model(model: type) -> Audited | None:
    return _by_model.get(model)


def for_table(name: str) -> Audited | None:
    return _by_table.get(name)


def entity_types() -> list[str]:
    return sorted({a.entity for a in _by_model.values()})


def default_label(row: Any) -> str:
    for name in ("name", "email", "code", "slug", "url", "prefix"):
        value = getattr(row, name, None)
        if value:
            return str(value)
    return ""
