"""The template editor in a real browser: typing updates the live preview."""

from __future__ import annotations

from app.extensions import db
from tests import factories


def open_editor(page, sign_in, template):
    sign_in(page, "admin")
    page.goto(f"/admin/template/edit/?id={template.id}")
    page.wait_for_selector('#b-preview[data-state="ready"]')


def test_typing_in_the_body_updates_the_preview(page, sign_in, screenshot, app):
    setup = factories.basic_setup()
    template = setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"]
    open_editor(page, sign_in, template)
    page.fill("#body", "Hola {{Nombre}}, su {{Placa}} está listo. <b>ok</b>")
    page.wait_for_function("() => document.getElementById('b-preview-body').textContent.includes('ABC123 está listo')")
    body = page.locator("#b-preview-body")
    assert "Hola Carlos Mendoza, su ABC123 está listo. <b>ok</b>" in body.inner_text()
    assert body.locator("b").count() == 0  # markup typed by staff is shown, never interpreted
    screenshot(page, "template-editor")


def test_unknown_variable_and_long_whatsapp_text_are_flagged(page, sign_in, screenshot, app):
    setup = factories.basic_setup()
    open_editor(page, sign_in, setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"])
    page.fill("#body", "{{Colour}} " + "x" * 4100)
    page.wait_for_selector('#b-preview-warnings li[data-code="whatsapp_too_long"]')
    assert page.locator('#b-preview-warnings li[data-code="unknown_variables"]').inner_text().endswith("{{Colour}}")
    screenshot(page, "template-editor-warnings")


def test_variable_button_inserts_into_the_body(page, sign_in, app):
    setup = factories.basic_setup()
    open_editor(page, sign_in, setup.templates["mantenimiento-preventivo:phase-repair:email"])
    page.fill("#body", "Taller: ")
    page.click('.b-insert-var[data-var="{{Taller}}"]')
    page.wait_for_function("() => document.getElementById('b-preview-body').textContent.includes('Ambacar Service')")
    assert page.input_value("#body") == "Taller: {{Taller}}"


def test_saved_edit_is_kept(page, sign_in, app):
    setup = factories.basic_setup()
    template = setup.templates["mantenimiento-preventivo:phase-repair:push"]
    open_editor(page, sign_in, template)
    page.fill("#body", "{{Placa}} lista para entregar")
    page.click("form.admin-form input[type=submit].btn-primary")
    page.wait_for_selector(".alert-success")
    page.goto(f"/admin/template/edit/?id={template.id}")
    assert page.input_value("#body") == "{{Placa}} lista para entregar"
    db.session.expire_all()


def test_template_pages_on_a_tablet(tablet_page, sign_in, screenshot, app):
    setup = factories.basic_setup()
    sign_in(tablet_page, "admin")
    tablet_page.goto("/admin/template/")
    screenshot(tablet_page, "templates-list-tablet")
    tablet_page.goto(f"/admin/template/edit/?id={setup.templates['mantenimiento-preventivo:phase-repair:email'].id}")
    tablet_page.wait_for_selector('#b-preview[data-state="ready"]')
    screenshot(tablet_page, "template-editor-tablet")


def test_console_saves_keep_versions_and_one_click_restores_the_first(page, sign_in, app, screenshot):
    setup = factories.basic_setup()
    template = setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"]
    original = template.body
    open_editor(page, sign_in, template)
    for text in ("{{Placa}}: segunda versión", "{{Placa}}: tercera versión"):
        page.fill("#body", text)
        page.click("form.admin-form input[name=_continue_editing]")
        page.wait_for_selector(f'[data-testid=template-version][data-number="{3 if "tercera" in text else 2}"]')

    first = page.locator('[data-testid=template-version][data-number="1"]')
    first.locator("summary").click()
    diff = first.locator("[data-testid=version-diff]").inner_text()
    assert f"- {original}" in diff and "+ {{Placa}}: tercera versión" in diff
    first.locator("[data-testid=restore-version]").click()

    page.wait_for_selector('[data-testid=template-version][data-number="4"]')
    assert page.input_value("#body") == original
    newest = page.locator('[data-testid=template-version][data-number="4"]')
    assert "restaura la versión 1" in newest.inner_text() and "admin@taller.test" in newest.inner_text()
    screenshot(page, "template-history")
    db.session.expire_all()
    assert db.session.get(type(template), template.id).version_number == 4
