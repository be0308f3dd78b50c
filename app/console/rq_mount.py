"""rq-dashboard at /admin/rq/, admin only, behind the console login, CSRF on.

The blueprint is module-global in rq_dashboard, so the guard is an app-level hook (hooks attached
to the blueprint would stack across apps built in one process).
"""

from __future__ import annotations

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.console.i18n import gettext as _
from app.console.security import deny, has_role

URL_PREFIX = "/admin/rq"
# GET variant of a state-changing route: refused (its POST form stays available).
_GET_REFUSED = {"rq_dashboard.requeue_all"}


def init_rq_dashboard(app: Flask) -> bool:
    """Mount rq-dashboard when a Redis URL is configured. Returns whether it was mounted."""
    if not app.config.get("RQ_DASHBOARD_REDIS_URL"):
        # Embedded mode: /admin/rq/ says what it needs instead of a bare 404.
        app.add_url_rule(URL_PREFIX + "/", "rq_needs_redis", _needs_redis)
        app.add_url_rule(URL_PREFIX + "/<path:rest>", "rq_needs_redis", _needs_redis)
        return False
    # Imported only when mounted: the embedded mode (no Redis) never loads rq-dashboard and its web stack.
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    app.before_request(_guard)
    app.after_request(_csrf_cookie)
    return True


def _needs_redis(rest: str = ""):
    if not has_role(current_user, "admin"):
        return deny()
    flash(_("El panel de RQ necesita Redis. En el modo integrado (sin REDIS_URL) los trabajos se "
            "ejecutan dentro del proceso web y no hay colas que mostrar."), "warning")
    return redirect(url_for("queues.index"))


def _guard():
    if request.blueprint != "rq_dashboard":
        return None
    if not has_role(current_user, "admin"):
        return deny()
    if request.endpoint in _GET_REFUSED and request.method == "GET":
        abort(405)
    return None


def _csrf_cookie(response: Response) -> Response:
    """rq-dashboard's JavaScript sends the `_csrf_token` cookie back as X-CSRFToken."""
    if request.blueprint == "rq_dashboard" and response.mimetype == "text/html":
        response.set_cookie("_csrf_token", generate_csrf(), path=URL_PREFIX, samesite="Strict",
                            secure=request.is_secure, httponly=False)
    return response
