"""Entries written on purpose: actions that are not a row's insert/update/delete (sign-ins, failed
sign-ins, lockouts), and changes made by bulk statements (app/audit/capture.py). Added to the
caller's session: they are committed with the caller's transaction."""

from __future__ import annotations

from typing import Any

from app.audit.actor import ANONYMOUS, Actor, client_address, current_actor
from app.audit.capture import jsonable
from app.audit.redaction import redact_changes
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow


def record(entity_type: str, entity_id: Any, action: str, *, changes: dict[str, Any] | None = None,
           label: str = "", actor: Actor | None = None) -> AuditEntry:
    """Add one entry to the session (committed with the caller's transaction). `changes` is
    {field: [before, after]} or {field: value}; secrets are redacted by field name."""
    who = actor or current_actor()
    entry = AuditEntry(
        at=utcnow(), actor_type=who.kind, actor_id=who.id, actor_label=(who.label or "")[:254],
        entity_type=entity_type, entity_id=str(entity_id or "")[:64], entity_label=(label or "")[:255],
        action=action, changes=redact_changes(jsonable(changes or {})), ip_address=client_address(),
    )
    db.session.add(entry)
    return entry


def record_sign_in(user) -> None:
    record("user", user.id, "sign_in", label=user.email, actor=Actor.user(user))


def record_sign_out(user) -> None:
    record("user", user.id, "sign_out", label=user.email, actor=Actor.user(user))


def record_failed_sign_in(email: str, user_id: Any = None, reason: str = "") -> None:
    """A refused sign-in: the address typed (the account's id when it exists), and why."""
    typed = (email or "").strip().lower()[:254]
    record("user", user_id, "sign_in_failed", label=typed, changes={"reason": reason} if reason else None,
           actor=Actor(ANONYMOUS.kind, None, typed or ANONYMOUS.label))


def record_lockout(user_id: Any, email: str, attempts: int, wait_seconds: int) -> None:
    record("user", user_id, "lockout", label=email,
           changes={"failed_logins": attempts, "wait_seconds": wait_seconds},
           actor=Actor(ANONYMOUS.kind, None, email or ANONYMOUS.label))
