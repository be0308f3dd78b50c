"""The search box of every searched console list (Clientes, Vehículos, Recordatorios, Notificaciones)
finds rows the way staff type: names without accents, plates with or without a dash or space, national
phone numbers; and the reminder list's plate filter takes a plate with a dash."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.records.builders import search_sample


@pytest.fixture
def people(app):
    return search_sample()


def page(signed_in, path: str, typed: str) -> str:
    response = signed_in("viewer").get(f"{path}?search={quote(typed)}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["UCC-8299", "ucc 8299", "UCC8299", "Ordonez", "ORDOÑEZ", "0968367322"])
def test_customers_list_finds_by_plate_name_and_national_phone(signed_in, people, typed):
    html = page(signed_in, "/admin/customer/", typed)
    assert "customer-001" in html and "customer-002" not in html


@pytest.mark.parametrize("typed", ["Sail", "ucc-8299", "ordonez"])
def test_vehicles_list_finds_by_model_plate_and_owner(signed_in, people, typed):
    html = page(signed_in, "/admin/vehicle/", typed)
    assert "UCC8299" in html and "PBA1234" not in html


@pytest.mark.parametrize("typed", ["UCC-8299", "Ordonez", "aceite"])
def test_reminders_list_finds_by_plate_owner_and_title(signed_in, people, typed):
    html = page(signed_in, "/admin/reminder/", typed)
    assert "Cambio de aceite" in html and "Revisión de frenos" not in html


def test_reminders_plate_filter_takes_a_plate_with_a_dash(signed_in, people):
    html = signed_in("viewer").get("/admin/reminder/?flt0_2=UCC-8299").get_data(as_text=True)
    assert "Cambio de aceite" in html and "Revisión de frenos" not in html


@pytest.mark.parametrize("typed", ["Ordonez", "José Ordóñez", "UCC-8299", "ucc 8299", "0968367322"])
def test_notification_log_finds_by_customer_name_plate_and_phone(signed_in, people, typed):
    html = page(signed_in, "/admin/notifications/", typed)
    assert "corr-customer-001" in html and "corr-customer-002" not in html


def test_the_search_box_says_what_it_searches(signed_in, people):
    html = signed_in("viewer").get("/admin/notifications/").get_data(as_text=True)
    assert 'placeholder="Cliente, placa o teléfono"' in html


def test_a_search_without_match_shows_the_empty_state(signed_in, people):
    html = page(signed_in, "/admin/notifications/", "Zambrano")
    assert "corr-customer-001" not in html and "No hay notificaciones con estos filtros." in html


def test_the_reminder_forms_vehicle_picker_finds_a_plate_with_a_dash(signed_in, people):
    found = signed_in("operator").get("/admin/reminder/ajax/lookup/?name=vehicle&query=UCC-8299").get_json()
    assert [label.split(" · ")[0] for _, label in found] == ["UCC8299"]


def test_the_vehicle_forms_customer_picker_finds_a_name_without_accents(signed_in, people):
    found = signed_in("operator").get("/admin/vehicle/ajax/lookup/?name=customer&query=ordonez").get_json()
    assert [label for _, label in found] == ["José Ordóñez"]


def test_a_customer_created_in_the_console_is_found_without_accents_and_by_national_phone(signed_in, app):
    client = signed_in("operator")
    form = {"customer_id": "customer-009", "first_name": "Luis", "last_name": "Páez", "email": "luis@example.com",
            "phone": "0990000009", "whatsapp": "", "workshop": "__None", "is_active": "y"}
    assert client.post("/admin/customer/new/", data=form).status_code == 302
    for typed in ("paez", "+593990000009"):
        assert "customer-009" in client.get(f"/admin/customer/?search={quote(typed)}").get_data(as_text=True)
