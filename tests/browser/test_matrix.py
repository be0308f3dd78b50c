"""The orchestration matrix in a real browser: toggles and templates survive save and reload."""

from __future__ import annotations

from tests import factories


def test_toggled_cells_are_kept_after_save_and_reload(page, sign_in, screenshot, app):
    setup = factories.basic_setup()
    stype, repair = setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"]
    delivery = setup.phases["phase-delivery"]
    chosen = setup.templates["mantenimiento-preventivo:phase-delivery:push"]
    sign_in(page, "admin")
    page.goto(f"/admin/matrix/?service_type={stype.id}")
    switch = page.locator(f'[id="enabled-{repair.id}:email"]')
    assert switch.is_checked()
    page.click(f'label[for="enabled-{repair.id}:email"]')
    assert not switch.is_checked()
    assert page.locator(f'label[for="enabled-{repair.id}:email"]').inner_text() == "Apagado"
    page.select_option(f'[id="template-{delivery.id}:push"]', str(chosen.id))
    screenshot(page, "matrix-editing")
    page.click("#b-matrix-save")
    page.wait_for_selector(".alert-success")
    page.reload()
    assert not page.locator(f'[id="enabled-{repair.id}:email"]').is_checked()
    assert page.locator(f'[id="enabled-{repair.id}:whatsapp"]').is_checked()
    assert page.input_value(f'[id="template-{delivery.id}:push"]') == str(chosen.id)
    screenshot(page, "matrix-saved")


def test_picker_switches_to_another_service_type(page, sign_in, app):
    setup = factories.basic_setup()
    sign_in(page, "admin")
    page.goto("/admin/matrix/")
    page.select_option("#b-service-type", str(setup.types["averia-frenos"].id))
    page.wait_for_selector("#b-create-config")
    assert "No hay configuración" in page.content()


def test_matrix_on_a_tablet(tablet_page, sign_in, screenshot, app):
    setup = factories.basic_setup()
    sign_in(tablet_page, "viewer")
    tablet_page.goto(f"/admin/matrix/?service_type={setup.types['mantenimiento-preventivo'].id}")
    assert tablet_page.locator(".b-cell-switch:disabled").count() == 15
    screenshot(tablet_page, "matrix-tablet")
