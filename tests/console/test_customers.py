"""Clientes: search, detail (contact, preferences inline, vehicles, reminders, push, timeline); roles, CSRF."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ChannelPreference, Customer, DispatchEvent, MaintenanceReminder, Notification
from tests import factories


@pytest.fixture
def carlos(app):
    row = factories.customer(preferences=[("email", True, 1), ("whatsapp", True, 2)])
    factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com",
                       phone="+593990000002")  # fmt: skip
    db.session.commit()
    return row


def add_notifications(customer: Customer, count: int) -> None:
    event = DispatchEvent(correlation_id="c", event_type="phase_changed", service_type_slug="x", target="clients",
                          customer_ref=customer.customer_id)  # fmt: skip
    db.session.add(event)
    db.session.flush()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(count):
        db.session.add(Notification(
            event_id=event.id, correlation_id="c", event_type="phase_changed", customer_id=customer.id,
            customer_ref=customer.customer_id, channel="email", recipient=customer.email, subject=f"Aviso {i:02d}",
            status="sent", created_at=start + timedelta(minutes=i),
        ))  # fmt: skip
    db.session.commit()


def test_anonymous_is_sent_to_login(console, carlos):
    response = console.get("/admin/customer/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("term", ["Mendoza", "carlos@example.com", "991234567", "customer-001"])
def test_search_by_name_email_phone_and_customer_id(signed_in, carlos, term):
    html = signed_in("viewer").get(f"/admin/customer/?search={term}").get_data(as_text=True)
    assert "customer-001" in html and "customer-002" not in html


def test_customer_names_are_escaped(signed_in, app):
    factories.customer("c-x", first_name="<script>alert(1)</script>")
    db.session.commit()
    html = signed_in("viewer").get("/admin/customer/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_detail_shows_contact_vehicles_reminders_push_and_timeline(signed_in, carlos):
    vehicle = factories.vehicle(carlos, plate="XYZ987")
    db.session.add(MaintenanceReminder(vehicle_id=vehicle.id, customer_id=carlos.id, title="Cambio de aceite"))
    factories.push_subscription(carlos, "https://push.example/1", "p256", "auth")
    add_notifications(carlos, 3)
    html = signed_in("viewer").get(f"/admin/customer/details/?id={carlos.id}").get_data(as_text=True)
    for expected in ("Carlos Mendoza", "carlos@example.com", "XYZ987", "Cambio de aceite", "Aviso 02",
                     "Notificaciones push", "Preferencias de canal"):  # fmt: skip
        assert expected in html


def test_timeline_is_paginated_newest_first(signed_in, carlos):
    add_notifications(carlos, 25)
    client = signed_in("viewer")
    first = client.get(f"/admin/customer/details/?id={carlos.id}").get_data(as_text=True)
    assert "Aviso 24" in first and "Aviso 04" not in first and "Anteriores" in first
    second = client.get(f"/admin/customer/details/?id={carlos.id}&page=2").get_data(as_text=True)
    assert "Aviso 04" in second and "Aviso 24" not in second


def test_empty_timeline_has_an_empty_state(signed_in, carlos):
    html = signed_in("viewer").get(f"/admin/customer/details/?id={carlos.id}").get_data(as_text=True)
    assert "todavía no ha recibido notificaciones" in html


def prefs_form(carlos, **overrides) -> dict:
    data = {"id": str(carlos.id), "enabled-email": "on", "priority-email": "2", "priority-whatsapp": "1",
            "enabled-push": "on", "priority-push": "3"}  # fmt: skip
    data.update(overrides)
    return data


def test_operator_edits_preferences_inline(signed_in, carlos):
    response = signed_in("operator").post("/admin/customer/preferences/", data=prefs_form(carlos))
    assert response.status_code == 302
    stored = {p.channel: (p.enabled, p.priority) for p in db.session.scalars(
        select(ChannelPreference).where(ChannelPreference.customer_id == carlos.id))}  # fmt: skip
    assert stored == {"email": (True, 2), "whatsapp": (False, 1), "push": (True, 3)}


def test_invalid_priority_is_shown_and_nothing_changes(signed_in, carlos):
    client = signed_in("operator")
    response = client.post("/admin/customer/preferences/", data=prefs_form(carlos, **{"priority-push": "zero"}))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "La prioridad debe ser un número entre 1 y 9." in html
    whatsapp = db.session.scalar(select(ChannelPreference).where(
        ChannelPreference.customer_id == carlos.id, ChannelPreference.channel == "whatsapp"))  # fmt: skip
    assert whatsapp.enabled is True


def test_viewer_cannot_edit_preferences(signed_in, carlos):
    assert signed_in("viewer").post("/admin/customer/preferences/", data=prefs_form(carlos)).status_code == 403


def test_preferences_without_csrf_are_refused(signed_in, carlos):
    client = signed_in("operator")
    assert client.client.post("/admin/customer/preferences/", data=prefs_form(carlos)).status_code == 400


def customer_form(**overrides) -> dict:
    data = {"customer_id": "customer-009", "first_name": "Luis", "last_name": "Páez", "email": "luis@example.com",
            "phone": "+593990000009", "whatsapp": "", "workshop": "__None", "is_active": "y"}  # fmt: skip
    data.update(overrides)
    return data


def test_operator_creates_a_customer(signed_in, app):
    assert signed_in("operator").post("/admin/customer/new/", data=customer_form()).status_code == 302
    assert db.session.scalar(select(Customer).where(Customer.customer_id == "customer-009")).last_name == "Páez"


def test_viewer_cannot_create_customers(signed_in, app):
    signed_in("viewer").post("/admin/customer/new/", data=customer_form())
    assert db.session.scalar(select(Customer).where(Customer.customer_id == "customer-009")) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("email", "no-es-email", "Email no válido."), ("phone", "abc", "Teléfono no válido."),
     ("customer_id", "customer-001", "Ya existe")],
)  # fmt: skip
def test_customer_form_errors_are_shown(signed_in, carlos, field, value, message):
    response = signed_in("operator").post("/admin/customer/new/", data=customer_form(**{field: value}))
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_unknown_customer_detail_redirects_to_the_list(signed_in, app):
    response = signed_in("viewer").get(f"/admin/customer/details/?id={uuid.uuid4()}")
    assert response.status_code == 302


def test_the_new_customer_form_opens(signed_in):
    assert signed_in("operator").get("/admin/customer/new/").status_code == 200
