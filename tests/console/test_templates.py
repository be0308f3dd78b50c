"""Plantillas: list, filters, editor, live preview, duplicate, enviar prueba; roles and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import NotificationTemplate
from tests import factories


@pytest.fixture
def setup(app):
    return factories.basic_setup()


def template_of(setup, channel="email", phase="phase-repair"):
    return setup.templates[f"mantenimiento-preventivo:{phase}:{channel}"]


def form_data(setup, **overrides) -> dict:
    data = {
        "name": "Nueva plantilla", "channel": "whatsapp", "target": "clients",
        "service_type": str(setup.types["mantenimiento-preventivo"].id), "subtype": "__None",
        "phase": str(setup.phases["phase-repair"].id), "event_type": "", "workshop": "__None",
        "subject": "", "body": "Hola {{Nombre}}", "html_body": "", "is_active": "y",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(console, setup):
    response = console.get("/admin/template/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_reads_the_list(signed_in, setup, role):
    html = signed_in(role).get("/admin/template/").get_data(as_text=True)
    assert template_of(setup).name in html


def test_list_filters_by_channel(signed_in, setup):
    client = signed_in("viewer")
    page = client.get("/admin/template/").get_data(as_text=True)
    assert "Canal" in page
    html = client.get("/admin/template/?flt0_0=push&page_size=100").get_data(as_text=True)
    assert "push mantenimiento-preventivo phase-repair" in html
    assert "email mantenimiento-preventivo phase-repair" not in html


def test_list_filters_by_phase_id(signed_in, setup):
    phase = setup.phases["phase-delivery"]
    html = signed_in("viewer").get(f"/admin/template/?flt0_3={phase.id}&page_size=100").get_data(as_text=True)
    assert "phase-delivery" in html and "phase-repair" not in html


def test_search_finds_body_text(signed_in, setup):
    factories.template("email", setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"],
                       "Texto único zanahoria", name="Especial")  # fmt: skip
    db.session.commit()
    html = signed_in("viewer").get("/admin/template/?search=zanahoria").get_data(as_text=True)
    assert "Especial" in html and "phase-delivery" not in html


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_open_the_editor(signed_in, setup, role):
    response = signed_in(role).get(f"/admin/template/edit/?id={template_of(setup).id}")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/edit/" not in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admin_post_to_edit_changes_nothing(signed_in, setup, role):
    template = template_of(setup)
    signed_in(role).post(f"/admin/template/edit/?id={template.id}", data=form_data(setup, name="Cambiada"))
    db.session.expire_all()
    assert db.session.get(NotificationTemplate, template.id).name != "Cambiada"


def test_editor_shows_preview_and_variables_panel(signed_in, setup):
    html = signed_in("admin").get(f"/admin/template/edit/?id={template_of(setup).id}").get_data(as_text=True)
    assert 'id="b-preview"' in html and "Carlos Mendoza" in html
    assert "{{Kilometraje}}" in html  # the variables reference lists every variable
    assert "Enviar prueba" in html and "Duplicar plantilla" in html


def test_admin_creates_a_template(signed_in, setup):
    response = signed_in("admin").post("/admin/template/new/", data=form_data(setup))
    assert response.status_code == 302
    created = db.session.scalar(select(NotificationTemplate).where(NotificationTemplate.name == "Nueva plantilla"))
    assert created.channel == "whatsapp" and created.phase_id == setup.phases["phase-repair"].id


def test_create_without_phase_or_event_shows_the_error(signed_in, setup):
    response = signed_in("admin").post("/admin/template/new/", data=form_data(setup, phase="__None"))
    assert response.status_code == 200
    assert "Indique una fase o un tipo de evento." in response.get_data(as_text=True)


def test_email_without_subject_shows_the_error(signed_in, setup):
    response = signed_in("admin").post("/admin/template/new/", data=form_data(setup, channel="email"))
    assert "Los emails necesitan un asunto." in response.get_data(as_text=True)


def test_subtype_of_another_type_shows_the_error(signed_in, setup):
    data = form_data(setup, subtype=str(setup.types["averia-frenos"].id))
    response = signed_in("admin").post("/admin/template/new/", data=data)
    assert "El subtipo debe pertenecer al tipo de servicio elegido." in response.get_data(as_text=True)


def test_overlong_whatsapp_text_shows_the_error(signed_in, setup):
    response = signed_in("admin").post("/admin/template/new/", data=form_data(setup, body="x" * 4100))
    assert "el máximo es 4096" in response.get_data(as_text=True)


def test_missing_name_shows_the_required_error(signed_in, setup):
    response = signed_in("admin").post("/admin/template/new/", data=form_data(setup, name=""))
    assert response.status_code == 200
    assert db.session.scalar(select(NotificationTemplate).where(NotificationTemplate.body == "Hola {{Nombre}}")) is None


def test_edit_without_csrf_token_is_refused(signed_in, setup):
    client = signed_in("admin")
    template = template_of(setup)
    response = client.client.post(f"/admin/template/edit/?id={template.id}", data=form_data(setup, name="Sin token"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(NotificationTemplate, template.id).name != "Sin token"


def preview(client, **payload):
    return client.client.post("/admin/template/preview/", json=payload, headers={"X-CSRFToken": client.token})


def test_preview_renders_sample_values(signed_in, setup):
    data = preview(signed_in("viewer"), channel="whatsapp", subject="", body="Hola {{Nombre}}, placa {{placa}}").json
    assert data["body_html"] == "<p>Hola Carlos Mendoza, placa ABC123</p>\n"
    assert data["warnings"] == []


def test_preview_escapes_markup_in_the_body(signed_in, setup):
    data = preview(signed_in("admin"), channel="email", subject="<b>x</b>", body="<script>alert(1)</script>").json
    assert "<script>" not in data["body_html"] and "&lt;script&gt;" in data["body_html"]


def test_preview_flags_unknown_variables(signed_in, setup):
    data = preview(signed_in("admin"), channel="email", subject="Hola", body="{{Nombre}} {{Color}}").json
    assert data["unknown_variables"] == ["Color"]
    assert data["warnings"][0]["message"] == "Variables desconocidas"


def test_preview_flags_overlong_whatsapp(signed_in, setup):
    data = preview(signed_in("admin"), channel="whatsapp", subject="", body="a" * 5000).json
    assert [w["code"] for w in data["warnings"]] == ["whatsapp_too_long"]


def test_preview_without_csrf_header_is_refused(signed_in, setup):
    client = signed_in("admin")
    response = client.client.post("/admin/template/preview/", json={"channel": "email", "body": "x"})
    assert response.status_code == 400


def test_preview_for_anonymous_redirects_to_login(console, setup):
    response = console.client.post("/admin/template/preview/", json={}, headers={"X-CSRFToken": console.token})
    assert response.status_code == 302


def test_admin_duplicates_a_template_as_inactive(signed_in, setup):
    source = template_of(setup)
    response = signed_in("admin").post("/admin/template/duplicate/", data={"id": str(source.id)})
    assert response.status_code == 302 and "/edit/" in response.headers["Location"]
    copy = db.session.scalar(select(NotificationTemplate).where(NotificationTemplate.name == f"{source.name} (copia)"))
    assert (copy.body, copy.is_active, copy.phase_id) == (source.body, False, source.phase_id)


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admin_cannot_duplicate(signed_in, setup, role):
    response = signed_in(role).post("/admin/template/duplicate/", data={"id": str(template_of(setup).id)})
    assert response.status_code == 403


def test_bulk_duplicate_action(signed_in, setup):
    ids = [str(template_of(setup, c).id) for c in ("email", "push")]
    client = signed_in("admin")
    response = client.post("/admin/template/action/", data={"action": "duplicate", "rowid": ids})
    assert response.status_code == 302
    copies = db.session.scalars(select(NotificationTemplate).where(NotificationTemplate.name.like("%(copia)"))).all()
    assert len(copies) == 2


def test_send_test_email_reaches_the_smtp_peer(signed_in, setup, peers_configured):
    template = template_of(setup)
    client = signed_in("admin")
    response = client.post("/admin/template/send-test/", data={"id": str(template.id), "address": "qa@taller.test"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Prueba enviada a qa@taller.test" in page
    mail = peers_configured["smtp"].messages[-1]
    assert mail.rcpt_tos == ("qa@taller.test",)
    assert "Carlos Mendoza" in mail.message.get_body(("plain",)).get_content()


def test_send_test_with_a_bad_address_shows_the_error(signed_in, setup):
    client = signed_in("admin")
    response = client.post("/admin/template/send-test/", data={"id": str(template_of(setup).id), "address": "nope"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La dirección de email no es válida." in page


def test_send_test_failure_is_shown(signed_in, setup):
    client = signed_in("admin")  # EMAIL_PORT=1 in tests: nothing listens
    response = client.post("/admin/template/send-test/", data={"id": str(template_of(setup).id), "address": "a@b.ec"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La prueba falló" in page


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admin_cannot_send_tests(signed_in, setup, role):
    response = signed_in(role).post(
        "/admin/template/send-test/", data={"id": str(template_of(setup).id), "address": "qa@taller.test"}
    )
    assert response.status_code == 403


def test_template_names_are_escaped_in_the_list(signed_in, setup):
    factories.template("email", setup.types["mantenimiento-preventivo"], setup.phases["phase-repair"], "x",
                       name="<img src=x onerror=alert(1)>")  # fmt: skip
    db.session.commit()
    html = signed_in("viewer").get("/admin/template/?page_size=100").get_data(as_text=True)
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror" in html


def test_viewer_sees_details_with_rendered_preview(signed_in, setup):
    html = signed_in("viewer").get(f"/admin/template/details/?id={template_of(setup).id}").get_data(as_text=True)
    assert "Vista previa" in html and "Carlos Mendoza" in html
    assert "Enviar prueba" not in html


@pytest.mark.parametrize("path", ["send-test", "duplicate"])
def test_tools_with_a_missing_or_bad_id_say_so(signed_in, setup, path):
    client = signed_in("admin")
    for ident in ("", "not-a-uuid", "00000000-0000-0000-0000-000000000001"):
        response = client.post(f"/admin/template/{path}/", data={"id": ident, "address": "a@b.ec"})
        assert response.status_code == 302
        assert "La plantilla no existe." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_list_shows_readable_target_and_time(signed_in, setup):
    html = signed_in("viewer").get("/admin/template/").get_data(as_text=True)
    cells = [c.strip() for c in html.split('<td class="col-target">')[1:]]
    assert cells and all(c.startswith("Clientes") for c in cells)
    assert "+00:00" not in html


def test_admin_marks_a_template_as_default(signed_in, setup):
    template = template_of(setup)
    admin = signed_in("admin")
    response = admin.post(f"/admin/template/edit/?id={template.id}", data=form_data(setup, is_default="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(NotificationTemplate, template.id).is_default is True
    listing = admin.get("/admin/template/").get_data(as_text=True)
    assert "Por defecto" in listing
