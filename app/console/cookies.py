"""Session cookie flags: HttpOnly and SameSite=Lax always, Secure whenever the request came over HTTPS."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when forced by config or when the request is HTTPS
    (behind a proxy, request.is_secure follows X-Forwarded-Proto once ProxyFix is applied)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return forced or (has_request_context() and request.is_secure)


def init_cookies(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.session_interface = ConsoleSessionInterface()
