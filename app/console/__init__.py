"""The operations console: Flask-Admin under /admin, sign-in at /login, CSRF on every form."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user

from app import audit
from app.api.storable_text import reject_unstorable_page_input
from app.console import views
from app.console.auth import auth_bp, init_login
from app.console.cookies import init_cookies
from app.console.error_pages import render_error_page
from app.console.formatting import init_formatting
from app.console.headers import csp_nonce, init_headers
from app.console.i18n import init_i18n
from app.console.layout import init_layout
from app.console.rq_mount import init_rq_dashboard
from app.console.stream import init_stream
from app.console.vendor import vendor_bp
from app.console.i18n import lazy_gettext as _l
from app.extensions import csrf

# Blueprints that authenticate with API keys, shared secrets or signed links, never a session
# cookie, so a CSRF token means nothing to them.
CSRF_EXEMPT_BLUEPRINTS = ("api_v1", "internal_v1", "public", "health")


# The menu in a few groups, so it fits one row at 1366 px. Views not named here stay at the top level.
MENU_GROUPS = {
    "customer": _l("Clientes y vehículos"), "vehicle": _l("Clientes y vehículos"),
    "reminder": _l("Clientes y vehículos"), "data_import": _l("Clientes y vehículos"),
    "template": _l("Mensajes"), "matrix": _l("Mensajes"), "send_windows": _l("Mensajes"),
    "workshop": _l("Configuración"), "integrations": _l("Configuración"), "sync_sources": _l("Configuración"),
    "queues": _l("Configuración"), "users": _l("Configuración"), "api_keys": _l("Configuración"),
    "audit": _l("Configuración"),
}


def _group_menu(admin: Admin) -> None:
    """Give each view its menu group as it is added (the pages' register() stay as they are)."""
    add_view = admin.add_view

    def grouped(view, *args, **kwargs):
        if getattr(view, "category", None) is None and view.endpoint in MENU_GROUPS:
            view.category = MENU_GROUPS[view.endpoint]
        return add_view(view, *args, **kwargs)

    admin.add_view = grouped


def _signed_in_actor() -> audit.Actor | None:
    """The audit log's actor for a console request: the signed-in user."""
    return audit.Actor.user(current_user) if current_user.is_authenticated else None


def init_console(app: Flask) -> Admin:
    """Bind login and CSRF, mount the console and register every page in menu order."""
    audit.set_request_resolver(_signed_in_actor)
    app.before_request(reject_unstorable_page_input)
    init_i18n(app)
    init_cookies(app)
    init_headers(app)
    init_layout(app)
    init_formatting(app)
    init_login(app)
    csrf.init_app(app)
    for name in CSRF_EXEMPT_BLUEPRINTS:
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
    app.register_blueprint(auth_bp)
    init_stream(app)
    app.register_blueprint(vendor_bp)
    app.extensions["avisos_rq_dashboard"] = init_rq_dashboard(app)
    app.extensions["html_error_page"] = render_error_page

    admin = Admin(
        app,
        name="Avisos",
        url="/admin",
        index_view=views.dashboard.make_index_view(),
        theme=Bootstrap4Theme(swatch="default"),
        csp_nonce_generator=csp_nonce,
    )
    _group_menu(admin)
    for page in views.PAGES:
        page.register(admin)
    app.extensions["avisos_admin"] = admin
    return admin
