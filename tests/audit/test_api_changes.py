"""Changes through the JSON API: one entry per change, made by the API key (by its name)."""

from __future__ import annotations

import pytest

from app.models import AuditEntry
from tests.audit.conftest import entries, stored_text
from tests.factories import basic_setup, service_type

TEMPLATES = "/api/v1/notifications/templates/"
ORCHESTRATION = "/api/v1/notifications/orchestration/"
WEBHOOKS = "/api/v1/webhooks/"


def _of(entity_type: str, entity_id) -> list[AuditEntry]:
    return [e for e in entries(entity_type) if e.entity_id == str(entity_id)]


def _by_key(entry: AuditEntry) -> bool:
    return entry.actor_type == "api_key" and entry.actor_label == "tests" and entry.actor_id


def test_a_template_created_changed_and_deleted_through_the_api_is_three_entries_by_the_key(client, api_headers):
    setup = basic_setup()
    body = {"name": "Nueva", "channel": "email", "target": "clients",
            "service_type": str(setup.types["mantenimiento-preventivo"].id),
            "phase": str(setup.phases["phase-repair"].id), "subject": "Hola", "body": "Hola {{Nombre}}"}
    created = client.post(TEMPLATES, headers=api_headers, json=body).get_json()
    assert client.patch(f"{TEMPLATES}{created['id']}/", headers=api_headers, json={"body": "Adiós"}).status_code == 200
    assert client.delete(f"{TEMPLATES}{created['id']}/", headers=api_headers).status_code == 204
    found = _of("template", created["id"])
    assert [e.action for e in found] == ["create", "update", "delete"]
    assert all(_by_key(e) for e in found)
    assert found[1].changes["body"] == ["Hola {{Nombre}}", "Adiós"] and "name" not in found[1].changes


def test_an_orchestration_config_changed_through_the_api_is_one_entry_per_change(client, api_headers, db_session):
    basic_setup()
    new_type = service_type("avaluo-mg", "Avalúo MG")
    db_session.commit()
    created = client.post(ORCHESTRATION, headers=api_headers, json={"service_type": str(new_type.id)}).get_json()
    client.patch(f"{ORCHESTRATION}{created['id']}/", headers=api_headers, json={"description": "x"})
    found = _of("orchestration_config", created["id"])
    assert [e.action for e in found] == ["create", "update"]
    assert found[1].changes == {"description": ["", "x"]} and all(_by_key(e) for e in found)


def test_a_matrix_update_through_the_api_is_one_entry_per_changed_cell(client, api_headers):
    setup = basic_setup()
    before = len(entries("matrix_cell"))
    response = client.post(f"{ORCHESTRATION}{setup.config.id}/update_matrix/", headers=api_headers, json={"configs": [
        {"phase": "phase-repair", "channel": "push", "enabled": False},
        {"phase": "phase-repair", "channel": "email", "enabled": True}]})
    assert response.status_code == 200
    changed = entries("matrix_cell")[before:]
    assert len(changed) == 1
    [entry] = changed
    assert entry.action == "update" and entry.changes == {"enabled": [True, False]} and _by_key(entry)
    assert entry.entity_label == "phase-repair / push"


@pytest.fixture
def loopback_allowed(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]


def test_a_webhook_created_changed_rotated_and_deleted_through_the_api_keeps_its_secrets_out(
        client, api_headers, webhook_receiver, loopback_allowed):
    created = client.post(WEBHOOKS, headers=api_headers, json={
        "url": webhook_receiver.endpoint, "event_types": ["notification.sent"], "description": "ERP"}).get_json()
    client.patch(f"{WEBHOOKS}{created['id']}/", headers=api_headers, json={"active": False})
    rotated = client.post(f"{WEBHOOKS}{created['id']}/rotate-secret/", headers=api_headers).get_json()
    assert client.delete(f"{WEBHOOKS}{created['id']}/", headers=api_headers).status_code in (200, 204)
    found = _of("webhook", created["id"])
    assert [e.action for e in found] == ["create", "update", "rotate_secret", "delete"]
    assert all(_by_key(e) for e in found)
    assert found[2].changes["secret_encrypted"] == ["***", "***"]
    text = stored_text()
    for secret in (created["secret"], rotated["secret"], created["secret"].removeprefix("whsec_"),
                   rotated["secret"].removeprefix("whsec_")):
        assert secret not in text


def test_a_template_version_restored_through_the_api_is_one_restore_entry(client, api_headers):
    setup = basic_setup()
    template = setup.templates["mantenimiento-preventivo:phase-repair:email"]
    first_body = template.body
    client.patch(f"{TEMPLATES}{template.id}/", headers=api_headers, json={"body": "Texto nuevo {{Nombre}}"})
    versions = client.get(f"{TEMPLATES}{template.id}/versions/", headers=api_headers).get_json()
    [first] = [v for v in versions if v["number"] == 1]
    response = client.post(f"{TEMPLATES}{template.id}/versions/{first['id']}/restore/", headers=api_headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    found = [e for e in _of("template", template.id) if e.action != "create"]
    assert [e.action for e in found] == ["update", "restore"] and all(_by_key(e) for e in found)
    assert found[1].changes["body"] == ["Texto nuevo {{Nombre}}", first_body]
    assert "version_number" not in found[1].changes


def test_an_urgent_phase_bound_set_through_the_api_is_one_entry_with_its_hour(client, api_headers):
    setup = basic_setup()
    res = client.put("/api/v1/notifications/delivery-policy/urgent-phases/", headers=api_headers,
                     json={"phases": [{"slug": "phase-delivery", "until": "21:00"}]})
    assert res.status_code == 200, res.get_json()
    found = [e for e in _of("service_phase", setup.phases["phase-delivery"].id) if e.action == "update"]
    assert len(found) == 1 and _by_key(found[0])
    assert found[0].changes["urgent_until"] == [None, "21:00"] and found[0].changes["is_urgent"] == [False, True]
