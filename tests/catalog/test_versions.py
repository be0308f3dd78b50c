"""Template versions: every save keeps one (who, when), restore is a new version, notifications
record the version they were rendered from, and pruning keeps referenced versions."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app import catalog
from app.extensions import db
from app.models import Notification, NotificationTemplate, TemplateVersion
from tests import factories as f
from tests.console.conftest import PASSWORD, ConsoleClient

TEMPLATES = "/api/v1/notifications/templates/"
WHATSAPP_ONLY = {"email": False, "whatsapp": True, "push": False}


def admin_console(app) -> ConsoleClient:
    """A console client signed in as an admin."""
    user = f.user("admin@taller.test", "admin", PASSWORD)
    client = ConsoleClient(app.test_client())
    assert client.login(user.email).status_code == 302
    return client


def whatsapp_template(setup) -> NotificationTemplate:
    return setup.templates["mantenimiento-preventivo:phase-schedule:whatsapp"]


def versions(template_id) -> list[TemplateVersion]:
    db.session.expire_all()
    return list(db.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template_id)
                                   .order_by(TemplateVersion.number)))


def patch_body(client, headers, template, body: str):
    response = client.patch(f"{TEMPLATES}{template.id}/", json={"body": body}, headers=headers)
    assert response.status_code == 200, response.get_json()


def dispatch(client, headers) -> Notification:
    response = client.post("/api/v1/notifications/events/dispatch/", json=f.dispatch_payload(), headers=headers)
    assert response.status_code == 202, response.get_json()
    db.session.expire_all()
    return db.session.get(Notification, uuid.UUID(response.get_json()["notifications"][0]["id"]))


def test_a_new_template_starts_at_version_one(app):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))

    [first] = versions(template.id)
    assert first.number == 1 and first.body == template.body and template.current_version_id == first.id


def test_every_api_save_keeps_the_previous_text_with_who_saved_it(client, api_headers):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))
    original = template.body

    patch_body(client, api_headers, template, "Segundo texto {{Placa}}")
    patch_body(client, api_headers, template, "Tercer texto {{Placa}}")

    kept = versions(template.id)
    assert [(v.number, v.body) for v in kept] == [(1, original), (2, "Segundo texto {{Placa}}"),
                                                  (3, "Tercer texto {{Placa}}")]
    assert kept[1].created_by.startswith("api:") and kept[1].created_at <= kept[2].created_at


def test_a_save_that_changes_no_versioned_field_makes_no_version(client, api_headers):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))

    client.patch(f"{TEMPLATES}{template.id}/", json={"is_default": True}, headers=api_headers)

    assert len(versions(template.id)) == 1


def test_edit_twice_restore_the_first_and_the_notification_between_keeps_its_version(
        app, client, api_headers, peers_configured):
    setup = f.basic_setup(WHATSAPP_ONLY)
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    template = whatsapp_template(setup)
    first_text = template.body
    patch_body(client, api_headers, template, "Versión dos: {{Placa}} en {{Fase}}.")
    between = dispatch(client, api_headers)
    patch_body(client, api_headers, template, "Versión tres: {{Placa}}.")
    v1, v2, _ = versions(template.id)
    admin = admin_console(app)

    response = admin.post("/admin/template/restore/", data={"id": str(v1.id)})

    assert response.status_code == 302
    kept = versions(template.id)
    assert [v.number for v in kept] == [1, 2, 3, 4]
    assert kept[3].restored_from == 1 and kept[3].body == first_text and kept[3].created_by == "admin@taller.test"
    assert between.template_version_id == v2.id and between.body == "Versión dos: ABC123 en Agendar Cita."
    detail = admin.get(f"/admin/notifications/details/?id={between.id}").get_data(as_text=True)
    assert f"/admin/template/version/?id={v2.id}" in detail
    page = admin.get(f"/admin/template/version/?id={v2.id}").get_data(as_text=True)
    assert "Versión dos: {{Placa}} en {{Fase}}." in page
    after = dispatch(client, api_headers)
    assert after.template_version_id == kept[3].id and after.body.startswith("Hola Carlos")


def test_restore_through_the_api_is_a_new_version(client, api_headers):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))
    patch_body(client, api_headers, template, "Otro texto")
    first = versions(template.id)[0]

    response = client.post(f"{TEMPLATES}{template.id}/versions/{first.id}/restore/", headers=api_headers)

    assert response.status_code == 200 and response.get_json()["number"] == 3
    assert response.get_json()["restored_from"] == 1
    listed = client.get(f"{TEMPLATES}{template.id}/versions/", headers=api_headers).get_json()
    assert [v["number"] for v in listed] == [3, 2, 1] and listed[0]["body"] == first.body


def test_a_version_of_another_template_cannot_be_restored(client, api_headers):
    setup = f.basic_setup(WHATSAPP_ONLY)
    other = versions(setup.templates["mantenimiento-preventivo:phase-schedule:email"].id)[0]

    response = client.post(f"{TEMPLATES}{whatsapp_template(setup).id}/versions/{other.id}/restore/",
                           headers=api_headers)

    assert response.status_code == 404


def test_pruning_keeps_the_newest_and_every_referenced_version(app, client, api_headers, peers_configured):
    app.config["TEMPLATE_VERSIONS_KEEP"] = 3
    setup = f.basic_setup(WHATSAPP_ONLY)
    f.customer(phone="", whatsapp="0991234567")
    db.session.commit()
    template = whatsapp_template(setup)
    referenced = dispatch(client, api_headers).template_version_id

    for n in range(2, 8):
        patch_body(client, api_headers, template, f"Texto {n} {{{{Placa}}}}")

    kept = versions(template.id)
    assert [v.number for v in kept] == [1, 5, 6, 7] and kept[0].id == referenced


def test_console_editor_shows_the_history_with_a_diff(app, client, api_headers):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))
    patch_body(client, api_headers, template, "Texto nuevo")
    admin = admin_console(app)

    html = admin.get(f"/admin/template/edit/?id={template.id}").get_data(as_text=True)

    assert 'data-testid="template-history"' in html and html.count('data-testid="template-version"') == 2
    assert '<span class="b-diff-added">+ Texto nuevo</span>' in html and "restore-version" in html


def test_history_is_kept_when_saved_outside_a_request(app):
    template = whatsapp_template(f.basic_setup(WHATSAPP_ONLY))
    template.body = "Cambiado por un script"
    db.session.commit()

    assert [(v.number, v.created_by) for v in versions(template.id)] == [(1, "system"), (2, "system")]
    assert catalog.count_versions(template.id) == 2
