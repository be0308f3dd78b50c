"""Security headers of the HTML pages (console, sign-in, unsubscribe, error pages).

- Content-Security-Policy: scripts only from Avisos itself or inline with this response's nonce
  (Flask-Admin's own inline scripts get it through `csp_nonce_generator`; ours have none: the
  charts' data travel in data attributes and static/console/*.js draw them). The one inline event
  handler allowed is Flask-Admin's `onclick="return false;"` on its filter menu, by its hash
  (templates/admin/ override the others: actions and the delete button); no plugins; forms
  post only to Avisos; `frame-ancestors 'self'` (the queues page frames rq-dashboard; nobody else
  may frame the console: clickjacking). Styles may be inline (plotly and Bootstrap set them).
- rq-dashboard (/admin/rq, admins only) ships an inline script and compiles its templates with
  underscore (`new Function`), so its pages allow inline scripts and eval; everything else holds.
- The API documentation pages (Swagger UI, ReDoc: third-party bundles) get no policy.
- X-Frame-Options SAMEORIGIN (browsers without frame-ancestors), Referrer-Policy same-origin (no
  console URL leaves the site; Flask-WTF's HTTPS referrer check still sees our own), and
  X-Content-Type-Options nosniff.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

_COMMON = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
           "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'; "
           "object-src 'none'")
# sha256 of "return false;", the inline handler of Flask-Admin's "Add filter" menu items.
_RETURN_FALSE = "'unsafe-hashes' 'sha256-2rvfFrggTCtyF5WOiTri1gDS8Boibj4Njn0e+VCBmDI='"
_NO_POLICY_BLUEPRINTS = {"apidocs"}
_RELAXED_BLUEPRINTS = {"rq_dashboard"}


def csp_nonce() -> str:
    """This response's script nonce (made on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy() -> str | None:
    """The policy for the current request's page (None: none sent)."""
    if request.blueprint in _NO_POLICY_BLUEPRINTS:
        return None
    if request.blueprint in _RELAXED_BLUEPRINTS:
        return f"script-src 'self' 'unsafe-inline' 'unsafe-eval'; {_COMMON}"
    nonce = g.get("csp_nonce")
    scripts = f"'self' 'nonce-{nonce}' {_RETURN_FALSE}" if nonce else f"'self' {_RETURN_FALSE}"
    return f"script-src {scripts}; {_COMMON}"


def _add_headers(response: Response) -> Response:
    if response.mimetype != "text/html":
        return response
    policy = content_security_policy()
    if policy:
        response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def init_headers(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
