"""What the record modules share: the refusal a write raises, and its commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from app.extensions import db


class RecordInvalid(Exception):
    """The write does not fit the stored data; `fields` names the problems."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__(str(fields))


def commit_or_refuse(conflict: dict[str, list[str]]) -> None:
    """Commit; a unique-key conflict is refused with `conflict` as its fields."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RecordInvalid(conflict) from None


def delete_row(row: Any) -> None:
    db.session.delete(row)
    db.session.commit()
