"""Reading the audit log: the console's filters, a page of entries, every matching entry (CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select

from app.extensions import db
from app.models import AuditEntry

PARTITION = 1000


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # part of the actor's label (e-mail, key name, "cli"), case-insensitive
    entity_type: str = ""
    entity: str = ""  # an entity id, or part of its label
    action: str = ""
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _select(f: AuditFilter) -> Select:
    stmt = select(AuditEntry)
    if f.who:
        stmt = stmt.where(AuditEntry.actor_label.ilike(_like(f.who.strip()), escape="\\"))
    if f.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == f.entity_type)
    if f.entity:
        stmt = stmt.where(or_(AuditEntry.entity_id == f.entity.strip(),
                              AuditEntry.entity_label.ilike(_like(f.entity.strip()), escape="\\")))
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.start is not None:
        stmt = stmt.where(AuditEntry.at >= f.start)
    if f.end is not None:
        stmt = stmt.where(AuditEntry.at < f.end)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def list_entries(f: AuditFilter, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], bool]:
    """One page, newest first, and whether there is a next page (no COUNT over the log)."""
    page = max(1, page)
    rows = db.session.scalars(_select(f).offset((page - 1) * per_page).limit(per_page + 1)).all()
    return list(rows[:per_page]), len(rows) > per_page


def iter_entries(f: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read PARTITION rows at a time."""
    result = db.session.execute(_select(f).execution_options(yield_per=PARTITION))
    try:
        for partition in result.partitions():
            for row in partition:
                yield row[0]
    finally:
        result.close()


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
