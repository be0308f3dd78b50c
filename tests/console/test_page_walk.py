"""Every console page and form (lists, create, edit, detail) for every role: no 5xx, and in Spanish
mode none of Flask-Admin's stock English (or its stock Spanish we replaced) reaches staff."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask_admin.model import BaseModelView

from app.extensions import db
from app.models import MaintenanceReminder, User, Workshop
from tests import factories
from tests.console import builders

# Flask-Admin's defaults that must not show in Spanish mode: its English (when a string has no
# Spanish) and the stock Spanish the project replaced (app/console/i18n.py, translations/es/admin.po).
FORBIDDEN = (
    "Save", "Save and Add Another", "Save and Continue Editing", "With selected", "Delete?", "Add Filter",
    "Reset Filters", "Create New Record", "Select all records", "Edit Record", "View Record", "Delete Record",
    "There are no items in the table.", "Record was successfully saved.", "Please select model", "items",
    "Apply", "Filter", "Search", "Export", "List", "Details", "Home", "Cancel", "Yes", "No items",
    "Salvar", "__None", "Por favor, seleccione el modelo", "Registro fue guardado con éxito.",
    "No hay objetos en la tabla.", "artículos", "Con seleccionados", "Inicia sesión", "Crear Nuevo Registro",
    "Editar Registro",
)
_FORBIDDEN = re.compile(r"(?<![\w/])(" + "|".join(re.escape(s) for s in FORBIDDEN) + r")(?![\w/])")
ROLES = ("viewer", "operator", "admin")


class _VisibleText(HTMLParser):
    """Text staff read: text nodes (no script/style) and the placeholder, title, aria-label and
    value of buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        values = dict(attrs)
        for name in ("placeholder", "title", "aria-label"):
            if values.get(name):
                self.parts.append(values[name])
        if tag in ("input", "button") and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.parts


def english_leftovers(html: str) -> list[str]:
    return sorted({m.group(1) for part in visible_text(html) for m in _FORBIDDEN.finditer(part)})


@pytest.fixture
def rows(app):
    """One row of everything a console page lists, so every edit and detail form opens."""
    setup = factories.basic_setup()
    owner = factories.customer("customer-001")
    car = factories.vehicle(owner, "UCC-8299")
    factories.workshop()
    db.session.add(MaintenanceReminder(vehicle_id=car.id, customer_id=owner.id, title="Cambio de aceite", due_kilometers=50000,
                                       service_type_id=setup.types["mantenimiento-preventivo"].id))
    failed = builders.notification("whatsapp", "failed", error_code="whatsapp_not_configured",
                                   error_reason="EVOLUTION_API_URL / EVOLUTION_INSTANCE not set")
    builders.attempt(failed, error_code="whatsapp_not_configured", error_message="EVOLUTION_API_URL not set")
    builders.notification("email", "sent")
    db.session.commit()
    return setup


def _pages(app) -> list[str]:
    """Every GET page of the console without URL arguments, and each model view's create, edit and
    detail form for its first row."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if (rule.rule.startswith("/admin") and "GET" in rule.methods and not rule.arguments
                and not rule.rule.startswith(("/admin/rq", "/admin/stream", "/admin/static"))
                and not rule.rule.endswith(("/export/<export_type>/", "/ajax/lookup/", "/delete/", "/action/"))):
            urls.add(rule.rule)
    admin = app.extensions["avisos_admin"]
    for view in admin._views:
        if not isinstance(view, BaseModelView):
            continue
        base = view.url.rstrip("/")
        urls.add(base + "/new/")
        first = db.session.scalars(db.select(view.model).limit(1)).first()
        if first is not None:
            key = view.get_pk_value(first)
            urls.add(f"{base}/edit/?id={key}")
            urls.add(f"{base}/details/?id={key}")
    return sorted(urls)


@pytest.mark.parametrize("role", ROLES)
def test_every_console_page_answers_without_a_server_error_in_spanish(app, rows, signed_in, role):
    client = signed_in(role)
    problems = []
    pages = _pages(app)
    assert len(pages) > 30
    for url in pages:
        response = client.get(url, follow_redirects=True)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.mimetype == "text/html":
            leftovers = english_leftovers(response.get_data(as_text=True))
            if leftovers:
                problems.append(f"{url}: {leftovers}")
    assert problems == [], "\n".join(problems)


def test_a_user_edit_form_opens_and_saves_a_new_role(app, signed_in, make_user):
    """The 500 of Usuarios -> edit on SQLite (a string id given to a Uuid column) stays fixed."""
    target = make_user("viewer", "ana@taller.test")
    client = signed_in("admin")
    assert client.get(f"/admin/users/edit/?id={target.id}").status_code == 200
    client.post(f"/admin/users/edit/?id={target.id}", data={"email": "ana@taller.test", "role": "operator",
                                                              "is_active": "y"})
    assert db.session.get(User, target.id).role == "operator"


def test_the_new_customer_form_opens_for_an_operator(signed_in):
    """The 500 of Clientes -> Crear stays fixed."""
    assert signed_in("operator").get("/admin/customer/new/").status_code == 200


def test_the_login_page_speaks_usted(console):
    html = console.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "Inicie sesión" in html and "Inicia sesión" not in html


def test_the_stock_words_are_replaced_on_a_list_and_a_form(app, rows, signed_in):
    client = signed_in("admin")
    form = client.get("/admin/workshop/new/").get_data(as_text=True)
    assert "Guardar" in form and "Salvar" not in form
    listing = client.get("/admin/customer/").get_data(as_text=True)
    assert "Con seleccionados" not in listing and "artículos" not in listing


def test_an_empty_list_says_so_in_the_projects_words(app, signed_in):
    assert db.session.scalars(db.select(Workshop)).first() is None
    html = signed_in("admin").get("/admin/workshop/").get_data(as_text=True)
    assert "No hay objetos en la tabla." not in html


@pytest.mark.parametrize(("url", "role", "status", "title"), [
    ("/admin/users/", "viewer", 403, "No tiene permiso"),
    ("/admin/no-such-page/", "viewer", 404, "Página no encontrada"),
])
def test_error_pages_are_styled_and_in_spanish(signed_in, url, role, status, title):
    response = signed_in(role).get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'data-testid="error-page"' in html and title in html and "Forbidden" not in html and "Not Found" not in html


def test_a_server_error_shows_the_styled_page(app, signed_in, monkeypatch):
    from app.console.views import dashboard

    client = signed_in("viewer")

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "queue_status", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/admin/")
    assert response.status_code == 500 and "Error del servidor" in response.get_data(as_text=True)


def test_a_viewer_following_an_edit_link_is_told_why(app, rows, signed_in):
    from app.models import Customer

    owner = db.session.scalars(db.select(Customer)).first()
    html = signed_in("viewer").get(f"/admin/customer/edit/?id={owner.id}", follow_redirects=True).get_data(as_text=True)
    assert "Su rol (Lector) no permite hacer cambios" in html


def test_an_operator_reads_at_the_top_that_templates_and_the_matrix_are_read_only(app, rows, signed_in):
    client = signed_in("operator")
    for url in ("/admin/template/", "/admin/matrix/"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-testid="read-only-notice"' in html
        assert html.index('data-testid="read-only-notice"') < html.index("console-zone")
    assert 'data-testid="read-only-notice"' not in client.get("/admin/customer/").get_data(as_text=True)


def test_every_console_page_answers_in_english_too(app, rows, signed_in):
    client = signed_in("admin")
    client.get("/admin/?lang=en")
    failures = [url for url in _pages(app) if client.get(url, follow_redirects=True).status_code >= 500]
    assert failures == []
    html = client.get("/admin/").get_data(as_text=True)
    assert "Times in America/Guayaquil" in html or "Times in " in html
