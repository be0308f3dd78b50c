"""Field diffs captured from the ORM, for every write path at once.

`before_flush` notes, for each audited row the session inserts, updates or deletes, the values
before (the first time the row changes in this transaction) and after; `before_commit` flushes what
is left, folds the notes into one entry per row and changed entity (a create and later updates in
the same transaction are one "create"; changes that end where they started are no entry) and adds
them to the session, so they are written by the same COMMIT as the change itself. A rollback drops
the notes with the change.

Bulk statements (session.execute(update(Model)...)) are not seen by flush events: `do_orm_execute`
refuses an UPDATE, DELETE or INSERT on an audited table unless it only sets ignored columns or is
marked `execution_options(audit_recorded=True)` by a caller that records its own entry
(app.audit.record). Statements on a bare Connection are not seen at all: there are none on audited
tables (tests/audit/test_coverage.py reads the source for them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session

from app.audit.actor import Actor, client_address, current_action, current_actor
from app.audit.redaction import redact_changes
from app.audit.registry import Audited, default_label, for_model, for_table
from app.models import AuditEntry
from app.models.base import utcnow

PENDING = "avisos_audit_pending"


class UnauditedWrite(RuntimeError):
    """A bulk statement would change an audited table without an entry."""


@dataclass
class _Note:
    audited: Audited
    action: str  # create | update | delete (a named action replaces update when the entry is built)
    actor: Actor
    ip: str
    named: str | None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    entity_id: str = ""


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


_installed = False


def install() -> None:
    """Listen on every Session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "do_orm_execute", _check_statement)
    _installed = True


def _notes(session: Session) -> dict[InstanceState, _Note]:
    return session.info.setdefault(PENDING, {})


def _columns(state: InstanceState, audited: Audited) -> list[str]:
    return [attr.key for attr in state.mapper.column_attrs if attr.key not in audited.ignored]


def _note(session: Session, state: InstanceState, audited: Audited, action: str) -> _Note:
    notes = _notes(session)
    note = notes.get(state)
    if note is None:
        note = notes[state] = _Note(audited, action, current_actor(), client_address(), current_action())
    return note


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in session.new:
        audited = for_model(type(obj))
        if audited is not None:
            _note(session, inspect(obj), audited, "create")
    for obj in session.dirty:
        audited = for_model(type(obj))
        if audited is not None:
            _note_update(session, inspect(obj), audited)
    for obj in session.deleted:
        audited = for_model(type(obj))
        if audited is not None:
            _note_delete(session, inspect(obj), audited)


def _note_update(session: Session, state: InstanceState, audited: Audited) -> None:
    changed = {}
    for key in _columns(state, audited):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        changed[key] = (before, after)
    if not changed:
        return
    note = _note(session, state, audited, "update")
    if note.action == "create":
        return  # the create entry takes the values as they are at commit
    for key, (before, after) in changed.items():
        note.before.setdefault(key, jsonable(before))
        note.after[key] = jsonable(after)


def _note_delete(session: Session, state: InstanceState, audited: Audited) -> None:
    notes = _notes(session)
    earlier = notes.get(state)
    if earlier is not None and earlier.action == "create":
        del notes[state]  # created and deleted in one transaction: nothing to record
        return
    note = _note(session, state, audited, "delete")
    obj = state.obj()
    values = {key: note.before[key] if key in note.before else jsonable(getattr(obj, key))
              for key in _columns(state, audited)}
    note.action, note.before, note.after = "delete", values, {}
    note.entity_id = _identity(state)
    note.label = _label(state, audited)


def _identity(state: InstanceState) -> str:
    if state.identity:
        return ",".join(str(part) for part in state.identity)
    obj = state.obj()
    return str(getattr(obj, "id", "") or "") if obj is not None else ""


def _label(state: InstanceState, audited: Audited) -> str:
    obj = state.obj()
    try:
        text = (audited.label or default_label)(obj) if obj is not None else ""
    except Exception:  # noqa: BLE001 - a label is a convenience; the entry must be written anyway
        text = ""
    return str(text or "")[:255]


def _before_commit(session: Session) -> None:
    session.flush()  # the flush COMMIT would do, done first so its changes are noted (none: no work)
    notes = session.info.pop(PENDING, None)
    if not notes:
        return
    now = utcnow()
    for state, note in notes.items():
        entry = _entry(state, note, now)
        if entry is not None:
            session.add(entry)


def _entry(state: InstanceState, note: _Note, now: datetime) -> AuditEntry | None:
    audited = note.audited
    if note.action == "create":
        changes = {key: [None, jsonable(state.dict[key])] for key in _columns(state, audited)
                   if state.dict.get(key) is not None}
        action, entity_id, label = "create", _identity(state), _label(state, audited)
    elif note.action == "delete":
        changes = {key: [value, None] for key, value in note.before.items() if value is not None}
        action, entity_id, label = "delete", note.entity_id, note.label
    else:
        changes = {key: [note.before.get(key), after] for key, after in note.after.items()
                   if note.before.get(key) != after}
        if not changes:
            return None
        action = next((name for column, name in audited.actions if column in changes), None) or note.named or "update"
        entity_id, label = _identity(state), _label(state, audited)
    return AuditEntry(
        at=now, actor_type=note.actor.kind, actor_id=note.actor.id, actor_label=note.actor.label[:254],
        entity_type=audited.entity, entity_id=entity_id[:64], entity_label=label, action=action,
        changes=redact_changes(changes), ip_address=note.ip,
    )


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _check_statement(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    audited = for_table(getattr(table, "name", "") or "")
    if audited is None or state.execution_options.get("audit_recorded"):
        return
    if state.is_update:
        columns = _set_columns(state)
        if columns and columns <= audited.ignored:
            return
    kind = "UPDATE" if state.is_update else "DELETE" if state.is_delete else "INSERT"
    raise UnauditedWrite(
        f"a bulk {kind} on {table.name} bypasses the audit log: change rows through the ORM, or record the "
        "change with app.audit.record and mark the statement execution_options(audit_recorded=True)")


def _set_columns(state) -> set[str]:
    statement = state.statement
    names: set[str] = set()
    for key in list(getattr(statement, "_values", None) or {}) + [k for k, _ in getattr(statement, "_ordered_values", None) or ()]:
        names.add(getattr(key, "key", None) or getattr(key, "name", None) or str(key))
    parameters = state.parameters
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], dict):
        primary = {c.key for c in getattr(state.statement.table, "primary_key", ())}
        names |= set(parameters[0]) - primary
    return names
