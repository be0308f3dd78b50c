from app.models import PhaseChannelConfig
from tests.factories import basic_setup, service_type

BASE = "/api/v1/notifications/orchestration/"


def test_list_carries_phase_configs_ordered_by_phase(client, api_headers):
    setup = basic_setup()
    body = client.get(f"{BASE}?service_type_id={setup.types['mantenimiento-preventivo'].id}", headers=api_headers).get_json()
    assert body["count"] == 1
    cells = body["results"][0]["phase_configs"]
    assert [c["phase_name"] for c in cells[::3]] == ["Agendar Cita", "Recepción", "Reparación", "Control de Calidad", "Entrega"]
    assert set(cells[0]) >= {"phase", "phase_name", "channel", "enabled", "template", "template_name"}


def test_create_then_duplicate_is_400(client, api_headers, db_session):
    basic_setup()
    new_type = service_type("avaluo-mg", "Avalúo MG")
    db_session.commit()
    body = {"service_type": str(new_type.id), "target": "staff"}
    res = client.post(BASE, headers=api_headers, json=body)
    assert res.status_code == 201 and res.get_json()["target_display"]
    again = client.post(BASE, headers=api_headers, json=body)
    assert again.status_code == 400 and again.get_json()["error"]["fields"]


def test_patch_and_delete(client, api_headers):
    setup = basic_setup()
    url = f"{BASE}{setup.config.id}/"
    assert client.patch(url, headers=api_headers, json={"description": "x"}).get_json()["description"] == "x"
    assert client.delete(url, headers=api_headers).status_code == 204
    assert client.get(url, headers=api_headers).status_code == 404


def test_update_matrix_applies_every_cell(client, api_headers):
    setup = basic_setup()
    t = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    res = client.post(f"{BASE}{setup.config.id}/update_matrix/", headers=api_headers, json={"configs": [
        {"phase": "phase-repair", "channel": "email", "enabled": True, "template": str(t.id)},
        {"phase": str(setup.phases["phase-repair"].id), "channel": "push", "enabled": False}]})
    assert res.status_code == 200
    cells = {(c["phase_name"], c["channel"]): c for c in res.get_json()["phase_configs"]}
    assert cells[("Reparación", "email")]["template_name"] == t.name
    assert cells[("Reparación", "push")]["enabled"] is False


def test_update_matrix_with_one_bad_cell_changes_nothing(client, api_headers, db_session):
    setup = basic_setup()
    res = client.post(f"{BASE}{setup.config.id}/update_matrix/", headers=api_headers, json={"configs": [
        {"phase": "phase-repair", "channel": "push", "enabled": False},
        {"phase": "phase-nope", "channel": "email", "enabled": False}]})
    assert res.status_code == 400 and "configs[1].phase" in res.get_json()["error"]["fields"]
    db_session.expire_all()
    assert all(c.enabled for c in db_session.query(PhaseChannelConfig).filter_by(config_id=setup.config.id))


def test_initialize_phases_creates_missing_cells(client, api_headers, db_session):
    basic_setup()
    new_type = service_type("avaluo-mg", "Avalúo MG")
    db_session.commit()
    created = client.post(BASE, headers=api_headers, json={"service_type": str(new_type.id)}).get_json()
    res = client.post(f"{BASE}{created['id']}/initialize_phases/", headers=api_headers)
    assert res.status_code == 200 and len(res.get_json()["phase_configs"]) == 15


def test_unknown_config_is_404(client, api_headers):
    assert client.post(f"{BASE}nope/update_matrix/", headers=api_headers, json={"configs": []}).status_code == 404


def test_update_matrix_takes_the_configs_own_cells_back_and_refuses_unknown_fields(client, api_headers):
    basic_setup()
    config = client.get(BASE, headers=api_headers).get_json()["results"][0]
    cells = [{**cell, "enabled": False} for cell in config["phase_configs"]]  # read-only keys echoed
    res = client.post(f"{BASE}{config['id']}/update_matrix/", headers=api_headers, json={"configs": cells})
    assert res.status_code == 200 and not any(c["enabled"] for c in res.get_json()["phase_configs"])
    bad = client.post(f"{BASE}{config['id']}/update_matrix/", headers=api_headers,
                      json={"configs": [{**cells[0], "colour": "red"}]})
    assert bad.status_code == 400 and "configs.0.colour" in bad.get_json()["error"]["fields"]
