"""Talleres y canales: workshop switches, provider "probar conexión" against real peers; roles, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Workshop
from tests import factories


@pytest.fixture
def shop(app):
    row = factories.workshop(whatsapp_enabled=False)
    db.session.commit()
    return row


def workshop_form(**overrides) -> dict:
    data = {"code": "cuenca", "name": "Taller Cuenca", "address": "", "phone": "", "staff_email": "",
            "staff_whatsapp": "", "email_enabled": "y", "push_enabled": "y", "is_active": "y"}  # fmt: skip
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(console, shop):
    response = console.get("/admin/workshop/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_reads_workshops_and_providers(signed_in, shop, role):
    html = signed_in(role).get("/admin/workshop/").get_data(as_text=True)
    assert "Taller Quito Norte" in html and "Proveedores de envío" in html


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_see_the_check_buttons(signed_in, shop, role):
    assert "Probar conexión" not in signed_in(role).get("/admin/workshop/").get_data(as_text=True)


def test_admins_see_a_check_button_per_provider(signed_in, shop):
    html = signed_in("admin").get("/admin/workshop/").get_data(as_text=True)
    assert all(f'id="b-check-{channel}"' in html for channel in ("email", "whatsapp", "push"))


def test_admin_switches_a_channel_on(signed_in, shop):
    data = workshop_form(code=shop.code, name=shop.name, whatsapp_enabled="y")
    response = signed_in("admin").post(f"/admin/workshop/edit/?id={shop.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, shop.id).whatsapp_enabled is True


def test_switch_change_reaches_the_orchestration_snapshot(signed_in, shop):
    from app.catalog import get_snapshot

    assert get_snapshot().workshop(str(shop.id)).channels["whatsapp"] is False
    data = workshop_form(code=shop.code, name=shop.name, whatsapp_enabled="y")
    signed_in("admin").post(f"/admin/workshop/edit/?id={shop.id}", data=data)
    assert get_snapshot().workshop(str(shop.id)).channels["whatsapp"] is True


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admins_cannot_change_workshops(signed_in, shop, role):
    signed_in(role).post(f"/admin/workshop/edit/?id={shop.id}", data=workshop_form(code=shop.code, name="Otro"))
    db.session.expire_all()
    assert db.session.get(Workshop, shop.id).name == "Taller Quito Norte"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("code", "Con Espacios", "Solo minúsculas, números, - y _."), ("staff_email", "x@", "Email no válido."),
     ("code", "quito-norte", "Ya existe")],
)  # fmt: skip
def test_workshop_form_errors_are_shown(signed_in, shop, field, value, message):
    response = signed_in("admin").post("/admin/workshop/new/", data=workshop_form(**{field: value}))
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_create_without_csrf_is_refused(signed_in, shop):
    client = signed_in("admin")
    assert client.client.post("/admin/workshop/new/", data=workshop_form()).status_code == 400
    assert db.session.scalar(select(Workshop).where(Workshop.code == "cuenca")) is None


def check(client, channel):
    response = client.post(f"/admin/workshop/check/{channel}/")
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_smtp_check_against_a_real_server_succeeds(signed_in, app, smtp_peer):
    app.config.update(smtp_peer.settings())
    assert "Email: conexión correcta." in check(signed_in("admin"), "email")


def test_smtp_check_without_a_server_reports_the_failure(signed_in, app):
    assert "Email: la prueba falló." in check(signed_in("admin"), "email")


def test_evolution_check_reports_the_instance_state(signed_in, app, evolution_peer):
    app.config.update(evolution_peer.settings())
    client = signed_in("admin")
    assert "WhatsApp: conexión correcta." in check(client, "whatsapp")
    evolution_peer.set_state("close")
    assert "WhatsApp: la prueba falló." in check(client, "whatsapp")


def test_evolution_check_never_shows_the_api_key(signed_in, app, evolution_peer):
    app.config.update(evolution_peer.settings())
    html = check(signed_in("admin"), "whatsapp")
    assert app.config["EVOLUTION_API_KEY"] not in html


def test_vapid_check_with_valid_keys(signed_in, app, vapid_keys):
    app.config.update(vapid_keys.settings())
    assert "Push: conexión correcta." in check(signed_in("admin"), "push")


def test_vapid_check_without_keys_fails(signed_in, app):
    assert "Push: la prueba falló." in check(signed_in("admin"), "push")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_non_admins_cannot_run_checks(signed_in, app, role):
    assert signed_in(role).post("/admin/workshop/check/email/").status_code == 403


def test_check_without_csrf_is_refused(signed_in, app):
    assert signed_in("admin").client.post("/admin/workshop/check/email/").status_code == 400


def test_unknown_channel_check_is_refused_politely(signed_in, app):
    assert "Canal desconocido." in check(signed_in("admin"), "fax")


def test_email_is_not_configured_on_a_fresh_install_with_the_default_localhost(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_HOST", "localhost")
    monkeypatch.setitem(app.config, "EMAIL_HOST_USER", "")
    html = signed_in("admin").get("/admin/workshop/").get_data(as_text=True)
    email_card = html.split('data-provider="email"')[1].split('data-provider="whatsapp"')[0]
    assert "Sin configurar" in email_card and "Configurado<" not in email_card and "EMAIL_HOST" in email_card


def test_email_is_configured_when_a_mail_server_is_named(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_HOST", "smtp.taller.ec")
    html = signed_in("admin").get("/admin/workshop/").get_data(as_text=True)
    assert "Configurado<" in html.split('data-provider="email"')[1].split('data-provider="whatsapp"')[0]
