"""Real tasks per role in Chromium (issue #14): the owner (admin) adds a walk-in customer and changes
a user's role; the service advisor (operator) reads a failure's explanation, resends it, exports
the customers and imports the file back; the receptionist (viewer) reads without edit controls and
is told why when following an edit link. Every page visited is photographed (docs/screenshots)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Customer, User
from tests import factories
from tests.console.builders import attempt, event, notification



def _failure():
    owner = factories.customer("C-100", first_name="Lucía", last_name="Ordóñez")
    factories.vehicle(owner, "UCC-8299", brand="Haval", model="H6")
    row = notification("whatsapp", "failed", ev=event(customer_ref=owner.customer_id), customer_id=owner.id,
                       error_code="whatsapp_not_configured", recipient="+593968367322",
                       error_reason="EVOLUTION_API_URL / EVOLUTION_INSTANCE not set")
    attempt(row, 1, "permanent", "whatsapp_not_configured", "EVOLUTION_API_URL / EVOLUTION_INSTANCE not set")
    mail = notification("email", "failed", ev=event(customer_ref=owner.customer_id), customer_id=owner.id,
                        error_code="smtp_550", error_reason="550 5.1.1 Mailbox does not exist")
    attempt(mail, 1, "permanent", "smtp_550", "550 5.1.1 Mailbox does not exist")
    db.session.commit()
    return row, mail


def test_admin_creates_a_walk_in_customer(page, sign_in, screenshot):
    sign_in(page, "admin")
    page.goto("/admin/customer/")
    screenshot(page, "customers")
    page.goto("/admin/customer/new/")
    page.fill("input[name=customer_id]", "WALKIN-1")
    page.fill("input[name=first_name]", "Andrés")
    page.fill("input[name=last_name]", "Peñafiel")
    page.fill("input[name=phone]", "0968367322")
    screenshot(page, "customer-new")
    page.click("input[type=submit][value=Guardar], button:has-text('Guardar')")
    page.wait_for_load_state()
    assert db.session.scalars(db.select(Customer).where(Customer.customer_id == "WALKIN-1")).one()
    assert "Salvar" not in page.content()


def test_admin_changes_a_users_role(page, sign_in, screenshot):
    target = factories.user("recepcion@taller.test", "viewer", "correct-horse-battery")
    db.session.commit()
    sign_in(page, "admin")
    page.goto(f"/admin/users/edit/?id={target.id}")
    page.select_option("select[name=role]", "operator")
    screenshot(page, "user-edit")
    page.click("input[type=submit][value=Guardar], button:has-text('Guardar')")
    page.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "operator"


def test_operator_reads_the_failure_explanation_and_resends_after_a_warning(page, sign_in, screenshot, app):
    row, mail = _failure()
    app.extensions["avisos_jobs"].mode = "manual"  # the resend is queued; no provider in this test
    sign_in(page, "operator")
    page.goto(f"/admin/notifications/details/?id={row.id}")
    banner = page.locator('[data-testid="failure-explanation"]')
    assert "WhatsApp no está configurado" in banner.inner_text()
    assert "Talleres y canales" in banner.inner_text()
    assert not page.locator("text=whatsapp_not_configured").first.is_visible()  # one click away
    page.locator("details summary", has_text="Detalle técnico").first.click()
    assert page.locator("text=whatsapp_not_configured").first.is_visible()
    screenshot(page, "failure-detail")
    page.once("dialog", lambda dialog: dialog.accept())  # "a configuration failure: resend anyway?"
    page.click('[data-testid="resend"]')
    page.wait_for_selector('[data-testid="detail-status"] [data-status="queued"]')
    page.goto(f"/admin/notifications/details/?id={mail.id}")
    assert "rechazó el mensaje" in page.locator('[data-testid="failure-explanation"]').inner_text()
    page.goto("/admin/notifications/")
    assert "Lucía Ordóñez" in page.content()
    screenshot(page, "notifications")
    page.goto("/admin/")
    assert "rechazó el mensaje" in page.locator('[data-testid="latest-failures"]').inner_text()
    screenshot(page, "dashboard")


def test_operator_exports_customers_and_imports_the_file_back(page, sign_in, screenshot, tmp_path, app):
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "uploads")
    _failure()
    sign_in(page, "operator")
    page.goto("/admin/data/")
    screenshot(page, "import-export")
    with page.expect_download() as download:
        page.click("button:has-text('Exportar clientes')")
    exported = tmp_path / "clientes.csv"
    download.value.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("\ufeffCódigo de cliente;") and "C-100;Lucía;Ordóñez" in text
    page.select_option("select[name=entity]", "customers")
    page.set_input_files("input[type=file]", str(exported))
    page.click('[data-testid="import-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="import-counts"]')
    assert "Código de cliente" in page.locator('[data-testid="import-preview"]').inner_text()
    screenshot(page, "import-preview")
    page.click('[data-testid="import-confirm"]')
    page.wait_for_selector('[data-testid="import-done"]')


def test_viewer_reads_without_edit_controls_and_is_told_why(page, sign_in, screenshot):
    row, _ = _failure()
    owner = db.session.scalars(db.select(Customer)).one()
    sign_in(page, "viewer")
    page.goto(f"/admin/notifications/details/?id={row.id}")
    assert page.locator('[data-testid="failure-explanation"]').count() == 1
    assert page.locator('[data-testid="resend"]').count() == 0
    page.goto(f"/admin/customer/edit/?id={owner.id}")
    assert "Su rol (Lector) no permite hacer cambios" in page.content()
    page.goto("/admin/template/")
    assert page.locator('[data-testid="read-only-notice"]').is_visible()
    screenshot(page, "templates-read-only")
    page.goto("/admin/users/")
    assert "No tiene permiso" in page.content()
    screenshot(page, "error-403")


def test_the_menu_fits_one_row_at_1366(browser, live_url, sign_in, screenshot):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_url, locale="es-EC")
    tab = context.new_page()
    try:
        sign_in(tab, "admin")
        tab.goto("/admin/")
        heights = tab.evaluate("""() => [...document.querySelectorAll('#admin-navbar-collapse > ul.mr-auto > li')]
                                   .map(li => Math.round(li.getBoundingClientRect().top))""")
        assert len(set(heights)) == 1, heights
        assert tab.evaluate("document.querySelector('nav.console-navbar').getBoundingClientRect().height") < 80
        screenshot(tab, "menu-1366")
    finally:
        context.close()


def test_row_actions_are_labelled_on_a_tablet(tablet_page, sign_in, screenshot):
    _failure()
    sign_in(tablet_page, "operator")
    tablet_page.goto("/admin/customer/")
    label = tablet_page.evaluate("""() => {
        const a = document.querySelector('.list-buttons-column a[title]');
        return a ? getComputedStyle(a, '::after').content : null; }""")
    assert label and label.strip('"') in ("Ver", "Editar")
    screenshot(tablet_page, "customers-tablet")


@pytest.mark.parametrize(("path", "name"), [
    ("/admin/analytics/", "analytics"),
    ("/admin/matrix/", "matrix"),
    ("/admin/workshop/", "workshops"),
    ("/admin/queues/", "queues"),
    ("/admin/api-keys/", "api-keys"),
    ("/admin/reminder/new/", "reminder-new"),
])
def test_admin_pages_photographed(page, sign_in, screenshot, path, name):
    _failure()
    sign_in(page, "admin")
    assert page.goto(path).status == 200
    screenshot(page, name)
