"""API authentication: API keys for /api/v1, the shared secret for /api/internal/v1."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import select, update

from app.api.caller import ApiCaller
from app.api.compat import anonymous_caller, compat_origin_allowed, jwt_caller, note_ignored_token
from app.api.limits import rate_limited
from app.errors import ApiError
from app.extensions import db
from app.models import ApiKey
from app.models.base import utcnow

KEY_PREFIX = "avk_"
_CACHE_SECONDS = 30.0
_TOUCH_EVERY = timedelta(seconds=60)


_cache: dict[str, tuple[float, ApiCaller | None]] = {}
_touched: dict[object, datetime] = {}
_cache_lock = threading.Lock()


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


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "apikey ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def _lookup(key_hash: str) -> ApiCaller | None:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key_hash)
        if hit and hit[0] > now:
            return hit[1]
    row = db.session.execute(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    caller = None
    if row is not None:
        scopes = frozenset(_ALIASES.get(x, x) for x in row.scopes.split())
        caller = ApiCaller(row.id, row.name, granted(scopes), row.expires_at)
    # Authentication runs first in a request: end its read so the request does not keep a pooled
    # connection while it waits for other things (the snapshot, the dispatch writer).
    db.session.commit()
    with _cache_lock:
        _cache[key_hash] = (now + _CACHE_SECONDS, caller)
    return caller


def forget_cached_keys() -> None:
    """Drop the in-process cache (after a revoke, and between tests)."""
    with _cache_lock:
        _cache.clear()
        _touched.clear()


def _touch(caller: ApiCaller) -> None:
    now = utcnow()
    last = _touched.get(caller.api_key_id)
    if last and now - last < _TOUCH_EVERY:
        return
    _touched[caller.api_key_id] = now
    db.session.execute(update(ApiKey).where(ApiKey.id == caller.api_key_id).values(last_used_at=now))
    db.session.commit()


def authenticate_api_key(scope: str) -> ApiCaller:
    raw = _presented_key()
    if not raw:
        raise ApiError(401, "not_authenticated", "An API key is required (Authorization: ApiKey <key> or X-API-Key).")
    caller = _lookup(hash_key(raw))
    if caller is None or (caller.expires_at is not None and caller.expires_at <= utcnow()):
        raise ApiError(401, "invalid_api_key", "The API key is invalid, revoked or expired.")
    _check_scope(caller, scope)
    _touch(caller)
    return caller


def _check_scope(caller: ApiCaller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ApiError(403, "insufficient_scope", f"This caller lacks the '{scope}' scope.")


def authenticate(scope: str, compat: bool = False, core_jwt: bool = True) -> ApiCaller:
    """An API key; else a core JWT (CORE_JWT_SECRET) where `core_jwt`; else, for `compat` endpoints in
    AUTH_MODE=compat, an anonymous browser caller from a CORS_ORIGINS origin. On such a call a
    Bearer token that does not verify counts as no credential (the reference ignored it)."""
    if _presented_key():
        return authenticate_api_key(scope)
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


def require_api_key(scope: str = "read", compat: bool = False, core_jwt: bool = True):
    """Decorator for /api/v1 views: authenticate the caller and keep it on `g.api_caller`.

    `compat` marks the endpoints the Ambacar PWA calls without credentials (AUTH_MODE=compat;
    client-contract-pwa.md §1.3): nothing else answers an anonymous caller. `core_jwt=False` keeps
    the core's tokens out of Avisos' own administration (webhooks): an API key is needed there."""

    def decorator(view):
        limited = rate_limited(scope)(view)

        @wraps(view)
        def wrapper(*args, **kwargs):
            g.api_caller = authenticate(scope, compat, core_jwt)
            return limited(*args, **kwargs)

        wrapper.required_scope = scope
        wrapper.compat = compat
        return wrapper

    return decorator


def require_internal_secret(view):
    """The reference lets a missing header through; we answer 401 for missing or wrong."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        presented = request.headers.get("X-Internal-Secret", "")
        expected = current_app.config["INTERNAL_API_SECRET_KEY"]
        if not presented or not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise ApiError(401, "invalid_internal_secret", "Missing or invalid X-Internal-Secret header.")
        return view(*args, **kwargs)

    return wrapper
