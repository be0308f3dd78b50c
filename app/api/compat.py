"""The two switches for the reference's existing clients (docs/API.md):

- CORE_JWT_SECRET: HS256 JWTs signed by the core service (`Authorization: Bearer ...`, expiry
  required and checked) are an authenticated caller with the read, manage and push scopes.
- AUTH_MODE=compat: endpoints marked `compat` answer without credentials, but only to browser
  requests whose Origin is one of CORS_ORIGINS (and still under the rate limits).
"""

from __future__ import annotations

import re
from functools import lru_cache

import jwt
from flask import current_app, request

from app.api.caller import ApiCaller
from app.errors import ApiError

JWT_SCOPES = frozenset({"read", "manage", "push"})
COMPAT_SCOPES = frozenset({"read", "push"})
ANONYMOUS = ApiCaller(None, "anonymous-compat", COMPAT_SCOPES, None)
_REGEX_HINTS = set("*\\]?$^[]()")


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
