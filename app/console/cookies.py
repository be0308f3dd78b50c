"""Session cookie flags: HttpOnly and SameSite=Lax always, Secure whenever the request came over HTTPS.
Requests without a session cookie get their empty session without the signer being built, which
Flask does on every request otherwise. The JSON API and the health checks have no session at all:
they authenticate by key, secret or token, never by cookie."""

from __future__ import annotations

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


SESSIONLESS_PATHS = ("/api/", "/healthz", "/readyz")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure when forced by config or when the request is HTTPS
    (behind a proxy, request.is_secure follows X-Forwarded-Proto once ProxyFix is applied)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return forced or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(SESSIONLESS_PATHS):
            # A null session: readable (empty), refuses writes, and Flask skips saving it. Saving
            # the cookie session cost every API call about 1 % of its CPU (Flask-Login's
            # after_request hook reads it, which also added `Vary: Cookie` to every answer).
            return self.make_null_session(app)
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_cookies(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.session_interface = ConsoleSessionInterface()
