"""The two switches for the reference's existing clients (docs/CLIENTS.md):

- CORE_JWT_SECRET: HS256 JWTs signed by the core service (`Authorization: Bearer ...`, expiry
  required and checked) are a trusted caller of the core, with every scope but API-key management
  (dispatch, read, manage, push).
- AUTH_MODE=compat: the endpoints the Ambacar PWA calls without credentials (marked `compat`)
  answer without them, but only to browser requests whose Origin is one of CORS_ORIGINS, counted
  per client address. On those endpoints a Bearer token Avisos cannot verify counts as no
  credential, as the reference ignored the header.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

import jwt
from flask import current_app, request

from app.api.caller import ANONYMOUS_NAME, ApiCaller
from app.errors import ApiError

log = logging.getLogger(__name__)

JWT_SCOPES = frozenset({"dispatch", "read", "manage", "push"})
_REGEX_HINTS = set("*\\]?$^[]()")
_ignored_token_kinds: set[str] = set()
_ignored_lock = threading.Lock()


def anonymous_caller(scope: str) -> ApiCaller:
    """An anonymous compat browser, allowed the one scope of the endpoint it calls."""
    return ApiCaller(None, ANONYMOUS_NAME, frozenset({scope}), None)


def jwt_caller(token: str) -> ApiCaller:
    """Verify a core-issued JWT; 401 when JWTs are not enabled, or the token is bad or expired."""
    secret = current_app.config.get("CORE_JWT_SECRET") or ""
    if not secret:
        raise ApiError(401, "invalid_token", "Bearer tokens are not accepted here; use an API key.")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]}, leeway=30)
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "The bearer token has expired.") from None
    except jwt.PyJWTError:
        raise ApiError(401, "invalid_token", "The bearer token is invalid.") from None
    subject = str(claims.get("sub") or claims.get("user_id") or "core")
    return ApiCaller(None, f"jwt:{subject[:64]}", JWT_SCOPES, None)


def note_ignored_token(err: ApiError) -> None:
    """Log, once per process and kind of failure, that a compat call's token was not verified."""
    kind = err.code if current_app.config.get("CORE_JWT_SECRET") else "jwt_not_configured"
    with _ignored_lock:
        if kind in _ignored_token_kinds:
            return
        _ignored_token_kinds.add(kind)
    log.warning("compat mode: a Bearer token that could not be verified (%s) was treated as no credential "
                "on %s; logged once per kind. Set CORE_JWT_SECRET to the core's signing key to verify them.",
                kind, request.path)


def forget_ignored_tokens() -> None:
    """Forget which kinds were logged (tests)."""
    with _ignored_lock:
        _ignored_token_kinds.clear()


@lru_cache(maxsize=32)
def origin_patterns(origins: tuple[str, ...]) -> tuple[str | re.Pattern, ...]:
    """Exact origins stay strings; entries that look like regular expressions are compiled (full match)."""
    out: list[str | re.Pattern] = []
    for origin in origins:
        if _REGEX_HINTS.isdisjoint(origin):
            out.append(origin.rstrip("/").lower())
        else:
            out.append(re.compile(rf"^(?:{origin})$", re.IGNORECASE))
    return tuple(out)


def origin_allowed(origin: str | None) -> bool:
    if not origin:
        return False
    for pattern in origin_patterns(tuple(current_app.config.get("CORS_ORIGINS") or ())):
        if isinstance(pattern, str):
            if origin.lower() == pattern:
                return True
        elif pattern.match(origin):
            return True
    return False


def compat_mode() -> bool:
    return current_app.config.get("AUTH_MODE") == "compat"


def compat_origin_allowed() -> bool:
    return compat_mode() and origin_allowed(request.headers.get("Origin"))
