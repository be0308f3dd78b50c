"""The audit log: who changed which configuration, when, from what to what (issue #16).

- actor.py: who is acting (set once per request or CLI command): set_actor, actor_scope, Actor
- capture.py: field diffs of every audited model, from the ORM's flushes, written in the same
  transaction; bulk statements on audited tables refused unless recorded
- entities.py: the audited models, one `register` line each (registry.py)
- redaction.py: the one rule that keeps secrets out of entries
- record.py: explicit entries (sign-ins, failed sign-ins, lockouts, bulk changes)
- queries.py: the console's filters and CSV rows; prune.py: retention (AUDIT_RETENTION_DAYS)
"""

from flask import Flask

from app.audit import entities  # noqa: F401 - the registrations
from app.audit.actor import (
    ANONYMOUS,
    CLI,
    SYSTEM,
    Actor,
    actor_scope,
    current_actor,
    named_action,
    set_actor,
    set_request_resolver,
)
from app.audit.capture import UnauditedWrite, install
from app.audit.prune import prune_audit_log
from app.audit.queries import AuditFilter, actions, iter_entries, list_entries
from app.audit.record import record, record_failed_sign_in, record_lockout, record_sign_in, record_sign_out
from app.audit.redaction import REDACTED, SECRET_PATTERNS, is_secret
from app.audit.registry import entity_types, register


def init_app(app: Flask) -> None:
    """Start recording (listeners on every SQLAlchemy Session; once per process)."""
    install()


__all__ = [
    "ANONYMOUS", "CLI", "REDACTED", "SECRET_PATTERNS", "SYSTEM", "Actor", "AuditFilter", "UnauditedWrite", "actions",
    "actor_scope", "current_actor", "entity_types", "init_app", "is_secret", "iter_entries", "list_entries",
    "named_action", "prune_audit_log", "record", "record_failed_sign_in", "record_lockout", "record_sign_in",
    "record_sign_out",
    "register", "set_actor", "set_request_resolver",
]
