"""Changes through the console: one entry per change, made by the signed-in user (by e-mail)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEntry, SyncSource, User, WebhookEndpoint
from tests import factories
from tests.audit.conftest import entries, stored_text
from tests.console.conftest import ConsoleClient, PASSWORD  # noqa: F401 (fixtures below)
from tests.console.test_matrix import grid_form
from tests.console.test_templates import form_data as template_form
from tests.console.test_workshops import workshop_form


@pytest.fixture
def admin(app):
    factories.user("jefa@taller.test", "admin", PASSWORD)
    db.session.commit()
    client = ConsoleClient(app.test_client())
    assert client.login("jefa@taller.test").status_code == 302
    return client


def _of(entity_type: str, entity_id=None) -> list[AuditEntry]:
    return [e for e in entries(entity_type) if entity_id is None or e.entity_id == str(entity_id)]


def _by_admin(entry: AuditEntry) -> bool:
    return entry.actor_type == "user" and entry.actor_label == "jefa@taller.test" and entry.ip_address


def test_a_template_edited_in_the_console_is_one_entry_by_the_user(app, admin):
    setup = factories.basic_setup()
    template = setup.templates["mantenimiento-preventivo:phase-repair:whatsapp"]
    data = template_form(setup, name=template.name, body="Hola {{Nombre}}, ya está listo")
    assert admin.post(f"/admin/template/edit/?id={template.id}", data=data).status_code == 302
    [entry] = [e for e in _of("template", template.id) if e.action != "create"]
    assert entry.action == "update" and _by_admin(entry)
    assert entry.changes["body"][1] == "Hola {{Nombre}}, ya está listo"


def test_a_template_created_in_the_console_is_one_create_entry(app, admin):
    setup = factories.basic_setup()
    assert admin.post("/admin/template/new/", data=template_form(setup)).status_code == 302
    [entry] = [e for e in _of("template") if e.entity_label == "Nueva plantilla"]
    assert entry.action == "create" and _by_admin(entry)


def test_a_matrix_saved_in_the_console_is_one_entry_per_changed_cell(app, admin):
    setup = factories.basic_setup()
    before = len(_of("matrix_cell"))
    response = admin.post("/admin/matrix/save/", data=grid_form(setup, setup.config, {("phase-repair", "push"): (False, "")}))
    assert response.status_code in (200, 302)
    changed = _of("matrix_cell")[before:]
    assert [(e.action, e.entity_label, e.changes) for e in changed] == [
        ("update", "phase-repair / push", {"enabled": [True, False]})]
    assert _by_admin(changed[0])


def test_a_workshop_channel_switch_in_the_console_is_one_entry(app, admin):
    shop = factories.workshop()
    db.session.commit()
    data = workshop_form(code=shop.code, name=shop.name)  # WhatsApp unticked
    assert admin.post(f"/admin/workshop/edit/?id={shop.id}", data=data).status_code == 302
    [entry] = [e for e in _of("workshop", shop.id) if e.action == "update"]
    assert entry.changes["whatsapp_enabled"] == [True, False] and _by_admin(entry)


def test_a_user_created_in_the_console_is_one_entry_without_the_password(app, admin):
    secret = "una-clave-larga-secreta"
    admin.post("/admin/users/new/", data={"email": "nuevo@taller.test", "name": "Ana", "role": "operator",
                                          "password": secret, "is_active": "y"})
    user = db.session.scalar(select(User).where(User.email == "nuevo@taller.test"))
    [entry] = _of("user", user.id)
    assert entry.action == "create" and _by_admin(entry)
    assert entry.changes["role"] == [None, "operator"] and entry.changes["password_hash"] == [None, "***"]
    text = stored_text()
    assert secret not in text and user.password_hash not in text


def test_a_role_change_in_the_console_is_one_entry(app, admin):
    user = factories.user("otro@taller.test", "viewer", PASSWORD)
    db.session.commit()
    admin.post(f"/admin/users/edit/?id={user.id}", data={"email": "otro@taller.test", "name": "", "role": "operator",
                                                         "is_active": "y", "password": ""})
    [entry] = [e for e in _of("user", user.id) if e.action == "update"]
    assert entry.changes == {"role": ["viewer", "operator"]} and _by_admin(entry)


def test_an_api_key_created_and_revoked_in_the_console_is_two_entries_without_the_key(app, admin):
    html = admin.post("/admin/api-keys/", data={"name": "ERP", "dispatch": "y", "read": "y"}).get_data(as_text=True)
    raw = re.search(r"avk_[A-Za-z0-9_\-]+", html).group(0)
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "ERP"))
    admin.post("/admin/api-keys/revoke/", data={"id": str(key.id)})
    found = _of("api_key", key.id)
    assert [e.action for e in found] == ["create", "revoke"] and all(_by_admin(e) for e in found)
    assert found[0].changes["key_hash"] == [None, "***"]
    text = stored_text()
    assert raw not in text and key.key_hash not in text


def test_a_webhook_created_rotated_and_switched_in_the_console_keeps_its_secret_out(app, admin, webhook_receiver):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ["127.0.0.1"]
    html = admin.post("/admin/integrations/webhooks/new", data={
        "url": webhook_receiver.endpoint, "description": "ERP", "event_types": ["notification.sent"]}).get_data(as_text=True)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    rotated = admin.post(f"/admin/integrations/webhooks/{endpoint.id}/rotate").get_data(as_text=True)
    admin.post(f"/admin/integrations/webhooks/{endpoint.id}/active", data={"active": "0"})
    found = _of("webhook", endpoint.id)
    assert [e.action for e in found] == ["create", "rotate_secret", "update"] and all(_by_admin(e) for e in found)
    secrets = {s for page in (html, rotated) for s in re.findall(r"whsec_[A-Za-z0-9+/=]+", page)}
    assert len(secrets) == 2  # the first secret and the rotated one, each shown once
    text = stored_text()
    for secret in secrets:
        assert secret not in text and secret.removeprefix("whsec_") not in text


def test_a_sync_source_created_in_the_console_keeps_its_url_out(app, admin, tmp_path):
    app.config.update(SYNC_ALLOWED_HOSTS=["127.0.0.1"], SYNC_SQLITE_FOLDER=str(tmp_path))
    url = "postgresql://lector:clave-muy-secreta@127.0.0.1:5432/taller"
    response = admin.post("/admin/sync-sources/new", data={
        "name": "Cliente Quito", "url": url, "customer_table": "users",
        "customer_columns": "customer_id = user_id\nname = name\nemail = email\nupdated_at = updated_at",
        "vehicle_table": "", "vehicle_columns": "", "interval_minutes": "15", "batch_size": "500", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    source = db.session.scalar(select(SyncSource))
    [entry] = _of("sync_source", source.id)
    assert entry.action == "create" and _by_admin(entry) and entry.changes["url_encrypted"] == [None, "***"]
    text = stored_text()
    assert "clave-muy-secreta" not in text and "lector" not in text and source.url_encrypted not in text


def test_an_orchestration_config_created_in_the_console_is_one_entry_and_one_per_cell(app, admin):
    setup = factories.basic_setup()
    stype = setup.types["mantenimiento-preventivo"]
    before = len(entries())
    assert admin.post("/admin/matrix/create/", data={"service_type": str(stype.id), "target": "staff"}).status_code == 302
    new = entries()[before:]
    assert sorted({(e.entity_type, e.action) for e in new}) == [("matrix_cell", "create"), ("orchestration_config", "create")]
    assert len([e for e in new if e.entity_type == "orchestration_config"]) == 1
    assert len([e for e in new if e.entity_type == "matrix_cell"]) == 15
    assert all(_by_admin(e) for e in new)
    assert [e.entity_label for e in new if e.entity_type == "orchestration_config"] == ["mantenimiento-preventivo / staff"]
