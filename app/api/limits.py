"""Rate limits per caller (Flask-Limiter): RATE_LIMIT_DISPATCH for dispatch, RATE_LIMIT_DEFAULT
shared by every other /api/v1 endpoint. Checked after authentication, so they count per API key
(per JWT subject; per address for anonymous compat callers). 429 carries Retry-After."""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_limiter.errors import RateLimitExceeded

from app.errors import error_body
from app.extensions import limiter


def _caller_key() -> str:
    caller = getattr(g, "api_caller", None)
    if caller is None or (caller.api_key_id is None and caller.name == "anonymous-compat"):
        return f"ip:{request.remote_addr}"
    return caller.rate_key


def _dispatch_limit() -> str:
    return current_app.config["RATE_LIMIT_DISPATCH"]


def _default_limit() -> str:
    return current_app.config["RATE_LIMIT_DEFAULT"]


def rate_limited(scope: str):
    """The shared limit for this scope's bucket, counted per caller."""
    if scope == "dispatch":
        return limiter.shared_limit(_dispatch_limit, scope="dispatch", key_func=_caller_key)
    return limiter.shared_limit(_default_limit, scope="api", key_func=_caller_key)


def init_limiter(app: Flask) -> None:
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = storage
    # X-RateLimit-* headers on every response cost two more Redis round trips per request (the
    # window's count and TTL); they are opt-in. A 429 always carries Retry-After (below).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "avisos-rl")
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(err: RateLimitExceeded):
        from flask import jsonify

        response = jsonify(error_body("rate_limited", f"Rate limit exceeded ({err.description}). Retry later."))
        response.status_code = 429
        response.headers["Retry-After"] = str(_retry_after(err))
        return response


def _retry_after(err: RateLimitExceeded) -> int:
    """Seconds until the breached window resets (its whole length if the storage cannot tell)."""
    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()) + 1)
    except Exception:  # noqa: BLE001 - the storage may be down; the window length is a safe answer
        pass
    return int(err.limit.limit.get_expiry())
