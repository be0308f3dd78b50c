"""Rate limits per caller: RATE_LIMIT_DISPATCH for dispatch (RATE_LIMIT_COMPAT_DISPATCH for anonymous
compat browsers), RATE_LIMIT_DEFAULT shared by every other /api/v1 endpoint. Checked after
authentication, so they count per API key (per JWT subject; per client address for anonymous compat
callers, behind TRUSTED_PROXY_COUNT proxies). 429 carries Retry-After.

Dispatch, the hot path, is counted by app/api/batched_limit.py (local counts pushed to the storage in
batches); every other endpoint by Flask-Limiter. Both use the same storage and the same keys."""

from __future__ import annotations

import logging
import time
from functools import wraps

from flask import Flask, current_app, g, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from limits.storage import storage_from_string

from app.api.batched_limit import BatchedFixedWindow, Breach, parse_limits
from app.errors import error_body
from app.extensions import limiter

log = logging.getLogger(__name__)

DISPATCH_LIMIT = "avisos_dispatch_limit"  # app.extensions key of the dispatch scope's BatchedFixedWindow
_bad_limit_strings: set[str] = set()
_batched_views: set[int] = set()  # ids of the views _dispatch_limited wraps (require_api_key wraps the same)


@limiter.request_filter
def _limited_by_batched_counter() -> bool:
    """Ends Flask-Limiter's before_request hook at once for the dispatch view (app/extensions.py:
    Limiter): none of its limits apply there (no default or application limits are configured either)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return id(getattr(view, "__wrapped__", None)) in _batched_views


def _caller_key() -> str:
    caller = getattr(g, "api_caller", None)
    if caller is None or caller.anonymous:
        return f"ip:{request.remote_addr}"
    return caller.rate_key


def _default_limit() -> str:
    return current_app.config["RATE_LIMIT_DEFAULT"]


def rate_limited(scope: str):
    """The shared limit for this scope's bucket, counted per caller (a view decorator)."""
    if scope == "dispatch":
        return _dispatch_limited
    return limiter.shared_limit(_default_limit, scope="api", key_func=_caller_key)


def _dispatch_limited(view):
    _batched_views.add(id(view))

    @wraps(view)
    def wrapper(*args, **kwargs):
        config = current_app.config
        if config.get("RATELIMIT_ENABLED", True):
            breach = _dispatch_breach(config)
            if breach is not None:
                return _too_many(str(breach.limit), breach.retry_after)
        return view(*args, **kwargs)

    return wrapper


def _dispatch_breach(config) -> Breach | None:
    caller = getattr(g, "api_caller", None)
    # Anonymous compat browsers (one address each) get their own, much smaller budget.
    setting = "RATE_LIMIT_COMPAT_DISPATCH" if caller is None or caller.anonymous else "RATE_LIMIT_DISPATCH"
    limit_string = config[setting]
    try:
        limits = parse_limits(limit_string)
    except ValueError:
        # As with Flask-Limiter, a malformed limit limits nothing; say so once per string.
        if limit_string not in _bad_limit_strings:
            _bad_limit_strings.add(limit_string)
            log.error("%s %r is not a rate limit string; dispatch is not limited", setting, limit_string)
        return None
    if not limits:
        return None
    prefix = config.get("RATELIMIT_KEY_PREFIX")
    # The key Flask-Limiter's shared_limit(scope="dispatch") would use: [prefix,] caller, scope.
    identifiers = (prefix, _caller_key(), "dispatch") if prefix else (_caller_key(), "dispatch")
    return current_app.extensions[DISPATCH_LIMIT].hit(limits, *identifiers)


def init_limiter(app: Flask) -> None:
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = storage
    # X-RateLimit-* headers on every response cost two more Redis round trips per request (the
    # window's count and TTL); they are opt-in, and never sent by dispatch. A 429 always carries
    # Retry-After (below).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "avisos-rl")
    limiter.init_app(app)
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    # The storage client is made on first use in each process (the app is built before gunicorn forks).
    app.extensions[DISPATCH_LIMIT] = BatchedFixedWindow(lambda: storage_from_string(storage, **options))

    @app.errorhandler(RateLimitExceeded)
    def _too_many_handler(err: RateLimitExceeded):
        if err.response is not None:  # a page of its own (the console's sign-in)
            return err.response
        return _too_many(err.description, _retry_after(err))


def _too_many(description: str, retry_after: int):
    response = jsonify(error_body("rate_limited", f"Rate limit exceeded ({description}). Retry later."))
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def _retry_after(err: RateLimitExceeded) -> int:
    """Seconds until the breached window resets (its whole length if the storage cannot tell)."""
    window_length = int(err.limit.limit.get_expiry())
    current = limiter.current_limit
    if current is None:
        return window_length
    try:
        return max(1, int(current.reset_at - time.time()) + 1)
    except Exception:  # noqa: BLE001 - reset_at asks the storage, which may be down; the window length is safe
        return window_length
