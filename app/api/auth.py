"""API authentication: API keys for /api/v1, the shared secret for /api/internal/v1."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache, wraps

from flask import current_app, g, request
from sqlalchemy import update

from app import access, audit
from app.api.caller import ApiCaller
from app.api.compat import anonymous_caller, compat_origin_allowed, jwt_caller, note_ignored_token
from app.api.limits import rate_limited
from app.errors import ApiError
from app.extensions import db
from app.models import ApiKey
from app.models.base import utcnow

KEY_PREFIX = "avk_"
_TOUCH_EVERY = timedelta(seconds=60)
_REMEMBER_SECONDS = 30.0

_touched: dict[object, datetime] = {}
_touch_lock = threading.Lock()
_remembered_keys: dict[str, tuple[float, ApiCaller]] = {}
_remembered_lock = threading.Lock()


def hash_key(raw: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


SCOPES = ("dispatch", "read", "manage", "push")
# What a scope grants beyond itself: writing implies reading (and the push endpoints).
IMPLIED = {"manage": frozenset({"read", "push"})}
_ALIASES = {"write": "manage"}


def normalise_scopes(scopes: str | list[str]) -> str:
    """Space-separated known scopes (commas accepted; 'write' is the old name of 'manage')."""
    parts = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    names = [_ALIASES.get(p.strip().lower(), p.strip().lower()) for p in parts if p.strip()]
    unknown = sorted(set(names) - set(SCOPES))
    if unknown or not names:
        raise ValueError(f"unknown scopes: {', '.join(unknown) or '(none)'}; use {', '.join(SCOPES)}")
    return " ".join(s for s in SCOPES if s in names)


def granted(scopes: frozenset[str]) -> frozenset[str]:
    """The scopes a key effectively has, implied ones included."""
    out = set(scopes)
    for scope in scopes:
        out |= IMPLIED.get(scope, frozenset())
    return frozenset(out)


def generate_api_key(name: str, scopes: str = "dispatch read", expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """Create a key row; the raw key is returned once and never stored."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, prefix=raw[:12], key_hash=hash_key(raw), scopes=normalise_scopes(scopes),
                 expires_at=expires_at)
    db.session.add(row)
    return row, raw


def presents_credentials() -> bool:
    """Whether the request carries an API key or a bearer token (valid or not)."""
    return bool(_presented_key()) or request.headers.get("Authorization", "")[:7].lower() == "bearer "


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "apikey ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def _lookup(key_hash: str) -> ApiCaller | None:
    """The caller a live (not revoked) key stands for, read from the database now."""
    row = access.live_key(key_hash)
    return None if row is None else _caller(row.id, row.name, row.scopes, row.expires_at)


def _remembered(key_hash: str) -> ApiCaller | None:
    """`_lookup`, remembered per process for _REMEMBER_SECONDS (live keys only: a new key works at
    once). Only for callers whose key is read again before anything is stored (dispatch through the
    dispatch writer, which refuses a revoked key's events: app/access: refuse_revoked)."""
    now = time.monotonic()
    hit = _remembered_keys.get(key_hash)
    if hit is not None and hit[0] > now:
        return hit[1]
    caller = _lookup(key_hash)
    if caller is not None:
        with _remembered_lock:
            _remembered_keys[key_hash] = (now + _REMEMBER_SECONDS, caller)
    return caller


@lru_cache(maxsize=256)
def _caller(key_id, name: str, scopes: str, expires_at: datetime | None) -> ApiCaller:
    return ApiCaller(key_id, name, granted(frozenset(_ALIASES.get(x, x) for x in scopes.split())), expires_at)


def forget_cached_keys() -> None:
    """Forget the remembered keys and when each key's last use was recorded (between tests)."""
    with _remembered_lock:
        _remembered_keys.clear()
    with _touch_lock:
        _touched.clear()


def _touch(caller: ApiCaller) -> None:
    now = utcnow()
    with _touch_lock:
        last = _touched.get(caller.api_key_id)
        if last and now - last < _TOUCH_EVERY:
            return
        _touched[caller.api_key_id] = now
    db.session.execute(update(ApiKey).where(ApiKey.id == caller.api_key_id).values(last_used_at=now))
    db.session.commit()


def authenticate_api_key(scope: str, rechecked: bool = False) -> ApiCaller:
    """The caller of the presented key. The key is read now, unless `rechecked` (its use is read
    again before anything is stored), which may answer from the per-process memory."""
    raw = _presented_key()
    if not raw:
        raise ApiError(401, "not_authenticated", "An API key is required (Authorization: ApiKey <key> or X-API-Key).")
    caller = (_remembered if rechecked else _lookup)(hash_key(raw))
    if caller is None or (caller.expires_at is not None and caller.expires_at <= utcnow()):
        raise ApiError(401, "invalid_api_key", access.INVALID_KEY)
    _check_scope(caller, scope)
    _touch(caller)
    return caller


def _check_scope(caller: ApiCaller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ApiError(403, "insufficient_scope", f"This caller lacks the '{scope}' scope.")


def authenticate(scope: str, compat: bool = False, core_jwt: bool = True, rechecked: bool = False) -> ApiCaller:
    """An API key (from memory when `rechecked`: the view reads it again before storing); else a core
    JWT (CORE_JWT_SECRET) where `core_jwt`; else, for `compat` endpoints in AUTH_MODE=compat, an
    anonymous browser caller from a CORS_ORIGINS origin. On such a call a Bearer token that does
    not verify counts as no credential (the reference ignored it)."""
    if _presented_key():
        return authenticate_api_key(scope, rechecked)
    anonymous_allowed = compat and compat_origin_allowed()
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and not core_jwt:
        raise ApiError(401, "api_key_required", "This endpoint needs an API key; core tokens are not accepted here.")
    if header[:7].lower() == "bearer ":
        try:
            caller = jwt_caller(header[7:].strip())
        except ApiError as err:
            if not anonymous_allowed:
                raise
            note_ignored_token(err)
            return anonymous_caller(scope)
        _check_scope(caller, scope)
        return caller
    if anonymous_allowed:
        return anonymous_caller(scope)
    return authenticate_api_key(scope)


def require_api_key(scope: str = "read", compat: bool = False, core_jwt: bool = True,
                    rechecked_when: Callable[[], bool] | None = None):
    """Decorator for /api/v1 views: authenticate the caller and keep it on `g.api_caller`.

    `compat` marks the endpoints the Ambacar PWA calls without credentials (AUTH_MODE=compat;
    client-contract-pwa.md §1.3): nothing else answers an anonymous caller. `core_jwt=False` keeps
    the core's tokens out of Avisos' own administration (webhooks): an API key is needed there.
    `rechecked_when()` says, per request, that the view reads the key again before it stores
    anything (dispatch through the dispatch writer), so the key may come from memory here."""

    def decorator(view):
        limited = rate_limited(scope)(view)

        @wraps(view)
        def wrapper(*args, **kwargs):
            g.api_caller = authenticate(scope, compat, core_jwt, rechecked_when is not None and rechecked_when())
            audit.set_actor(_audit_actor(g.api_caller))
            return limited(*args, **kwargs)

        wrapper.required_scope = scope
        wrapper.compat = compat
        return wrapper

    return decorator


@lru_cache(maxsize=256)
def _audit_actor(caller: ApiCaller) -> audit.Actor:
    """Who the audit log names for this caller: the API key's name, a core token's subject
    (remembered per caller: both are frozen, and an API key's caller is one object while remembered)."""
    if caller.api_key_id is not None:
        return audit.Actor.api_key(caller.api_key_id, caller.name)
    return audit.Actor("anonymous" if caller.anonymous else "token", None, caller.name)


INTERNAL_ACTOR = audit.Actor("internal", None, "internal-api")


def require_internal_secret(view):
    """The reference lets a missing header through; we answer 401 for missing or wrong."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        presented = request.headers.get("X-Internal-Secret", "")
        expected = current_app.config["INTERNAL_API_SECRET_KEY"]
        if not presented or not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise ApiError(401, "invalid_internal_secret", "Missing or invalid X-Internal-Secret header.")
        audit.set_actor(INTERNAL_ACTOR)
        return view(*args, **kwargs)

    return wrapper
