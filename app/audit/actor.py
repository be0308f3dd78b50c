"""Who is making a change: set once per request or CLI command, read when an entry is written.

- In a request: `g.audit_actor` when a surface set it (the API sets the key's name after it
  authenticates), else the request resolver the console registers (the signed-in user), else
  "anonymous".
- Outside a request: the actor of the enclosing `actor_scope` (every CLI command runs inside one,
  as "cli"), else one `set_actor` gave the app context, else "system" (jobs, the scheduler, the
  sweeper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context, request


@dataclass(frozen=True)
class Actor:
    kind: str  # user | api_key | cli | system | internal | anonymous
    id: str | None
    label: str

    @classmethod
    def user(cls, user) -> Actor:
        return cls("user", str(user.id), user.email)

    @classmethod
    def api_key(cls, key_id, name: str) -> Actor:
        return cls("api_key", str(key_id) if key_id is not None else None, name)


CLI = Actor("cli", None, "cli")
SYSTEM = Actor("system", None, "system")
ANONYMOUS = Actor("anonymous", None, "anonymous")

_scoped: ContextVar[Actor | None] = ContextVar("avisos_audit_actor", default=None)
_action: ContextVar[str | None] = ContextVar("avisos_audit_action", default=None)
_request_resolvers: list[Callable[[], Actor | None]] = []


def set_request_resolver(resolver: Callable[[], Actor | None]) -> None:
    """Register how a request's actor is found when no surface set one (the console: Flask-Login)."""
    if resolver not in _request_resolvers:
        _request_resolvers.append(resolver)


def set_actor(actor: Actor) -> None:
    """The actor of the current request (or app context) from now on."""
    if has_app_context():
        g.audit_actor = actor
    else:
        _scoped.set(actor)


@contextmanager
def actor_scope(actor: Actor) -> Iterator[None]:
    """Changes made inside are made by `actor` (a CLI command; a test)."""
    token = _scoped.set(actor)
    try:
        yield
    finally:
        _scoped.reset(token)


@contextmanager
def named_action(action: str) -> Iterator[None]:
    """Updates flushed inside are recorded as `action` (e.g. "restore") instead of "update"."""
    token = _action.set(action)
    try:
        yield
    finally:
        _action.reset(token)


def current_action() -> str | None:
    return _action.get()


def current_actor() -> Actor:
    chosen = g.get("audit_actor") if has_app_context() else None
    if has_request_context():
        if chosen is not None:
            return chosen
        for resolver in _request_resolvers:
            found = resolver()
            if found is not None:
                return found
        return _scoped.get() or ANONYMOUS
    return _scoped.get() or chosen or SYSTEM


def client_address() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""
