"""Matriz de orquestación: picker, grid, atomic save with per-cell errors, initialise, copy; roles, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OrchestrationConfig, PhaseChannelConfig
from tests import factories


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def grid_form(setup, config, changes: dict | None = None) -> dict:
    """The whole grid as the page posts it: every cell on, automatic templates, with `changes`
    {(phase_slug, channel): (enabled, template_id or "")}."""
    data = {"config_id": str(config.id), "service_type": str(config.service_type_id), "target": config.target,
            "workshop": str(config.workshop_id or "")}  # fmt: skip
    for slug, phase in setup.phases.items():
        for channel in ("email", "whatsapp", "push"):
            enabled, template_id = (changes or {}).get((slug, channel), (True, ""))
            key = f"{phase.id}:{channel}"
            if enabled:
                data[f"enabled-{key}"] = "on"
            data[f"template-{key}"] = template_id
    return data


def cell(config, phase, channel) -> PhaseChannelConfig:
    db.session.expire_all()
    return db.session.scalar(select(PhaseChannelConfig).where(
        PhaseChannelConfig.config_id == config.id, PhaseChannelConfig.phase_id == phase.id,
        PhaseChannelConfig.channel == channel))  # fmt: skip


def test_anonymous_is_sent_to_login(console, setup):
    response = console.get("/admin/matrix/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_sees_the_grid(signed_in, setup, role):
    html = signed_in(role).get("/admin/matrix/").get_data(as_text=True)
    assert html.count('class="custom-control-input b-cell-switch"') == 15
    assert "Recepción" in html and "Control de Calidad" in html


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admins_get_a_read_only_grid(signed_in, setup, role):
    html = signed_in(role).get("/admin/matrix/").get_data(as_text=True)
    assert "Guardar matriz" not in html and "disabled" in html


def test_template_chooser_lists_only_matching_templates(signed_in, setup):
    stype = setup.types["mantenimiento-preventivo"]
    html = signed_in("admin").get(f"/admin/matrix/?service_type={stype.id}").get_data(as_text=True)
    repair = setup.phases["phase-repair"]
    start = html.index(f'id="template-{repair.id}:email"')
    options = html[start : html.index("</select>", start)]
    assert str(setup.templates["mantenimiento-preventivo:phase-repair:email"].id) in options
    assert str(setup.templates["averia-revision:phase-repair:email"].id) not in options
    assert str(setup.templates["mantenimiento-preventivo:phase-repair:push"].id) not in options


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admins_cannot_save(signed_in, setup, role):
    data = grid_form(setup, setup.config, {("phase-repair", "email"): (False, "")})
    response = signed_in(role).post("/admin/matrix/save/", data=data)
    assert response.status_code == 403
    assert cell(setup.config, setup.phases["phase-repair"], "email").enabled is True


def test_admin_saves_switches_and_templates_in_one_post(signed_in, setup):
    chosen = setup.templates["mantenimiento-preventivo:phase-delivery:push"]
    changes = {("phase-repair", "email"): (False, ""), ("phase-delivery", "push"): (True, str(chosen.id))}
    client = signed_in("admin")
    response = client.post("/admin/matrix/save/", data=grid_form(setup, setup.config, changes))
    assert response.status_code == 302
    assert cell(setup.config, setup.phases["phase-repair"], "email").enabled is False
    assert cell(setup.config, setup.phases["phase-delivery"], "push").template_id == chosen.id
    assert "Matriz guardada." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_invalid_cell_saves_nothing_and_is_marked(signed_in, setup):
    wrong = setup.templates["averia-revision:phase-repair:email"]
    changes = {("phase-schedule", "email"): (False, ""), ("phase-repair", "email"): (True, str(wrong.id))}
    response = signed_in("admin").post("/admin/matrix/save/", data=grid_form(setup, setup.config, changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No se guardó ningún cambio" in html
    assert 'class="b-cell-error"' in html and "La plantilla no corresponde" in html
    assert cell(setup.config, setup.phases["phase-schedule"], "email").enabled is True


def test_save_without_csrf_token_is_refused(signed_in, setup):
    client = signed_in("admin")
    data = grid_form(setup, setup.config, {("phase-repair", "email"): (False, "")})
    assert client.client.post("/admin/matrix/save/", data=data).status_code == 400
    assert cell(setup.config, setup.phases["phase-repair"], "email").enabled is True


def test_missing_config_shows_an_empty_state_with_create(signed_in, setup):
    stype = setup.types["mantenimiento-preventivo"]
    html = signed_in("admin").get(f"/admin/matrix/?service_type={stype.id}&target=staff").get_data(as_text=True)
    assert "No hay configuración para esta selección" in html and "Crear configuración vacía" in html


def test_admin_creates_a_config_with_all_cells_off(signed_in, setup):
    stype = setup.types["mantenimiento-preventivo"]
    response = signed_in("admin").post("/admin/matrix/create/", data={"service_type": str(stype.id), "target": "staff"})
    assert response.status_code == 302
    config = db.session.scalar(select(OrchestrationConfig).where(OrchestrationConfig.target == "staff"))
    assert len(config.cells) == 15 and not any(c.enabled for c in config.cells)


def test_initialize_phases_adds_missing_cells(signed_in, setup):
    db.session.delete(cell(setup.config, setup.phases["phase-quality"], "push"))
    db.session.commit()
    client = signed_in("admin")
    response = client.post("/admin/matrix/initialize/", data={"config_id": str(setup.config.id)})
    assert "1 celdas nuevas" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert cell(setup.config, setup.phases["phase-quality"], "push").enabled is False


def test_copy_from_global_for_a_workshop(signed_in, setup):
    shop = factories.workshop()
    db.session.commit()
    stype = setup.types["mantenimiento-preventivo"]
    client = signed_in("admin")
    page = client.get(f"/admin/matrix/?service_type={stype.id}&target=clients&workshop={shop.id}")
    assert "Copiar desde global" in page.get_data(as_text=True)
    selection = {"service_type": str(stype.id), "target": "clients", "workshop": str(shop.id)}
    response = client.post("/admin/matrix/copy/", data=selection)
    assert response.status_code == 302
    copy = db.session.scalar(select(OrchestrationConfig).where(OrchestrationConfig.workshop_id == shop.id))
    assert len(copy.cells) == 15


@pytest.mark.parametrize("path", ["initialize", "copy", "create"])
def test_operators_cannot_run_matrix_actions(signed_in, setup, path):
    data = {"config_id": str(setup.config.id), "service_type": str(setup.types["mantenimiento-preventivo"].id)}
    assert signed_in("operator").post(f"/admin/matrix/{path}/", data=data).status_code == 403
