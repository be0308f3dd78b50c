"""Vehículos: filter by customer, search by plate, edit form; roles and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Vehicle
from tests import factories


@pytest.fixture
def fleet(app):
    carlos = factories.customer()
    ana = factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com")
    factories.vehicle(carlos, plate="ABC123")
    factories.vehicle(ana, plate="PQR456", brand="Kia")
    db.session.commit()
    return {"carlos": carlos, "ana": ana}


def vehicle_form(owner, **overrides) -> dict:
    data = {"plate": "nue 001", "customer": str(owner.id), "brand": "Chery", "model": "Tiggo", "year": "2023",
            "current_kilometers": "1200", "last_service_date": "", "next_service_kilometers": ""}  # fmt: skip
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(console, fleet):
    response = console.get("/admin/vehicle/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_reads_the_list(signed_in, fleet, role):
    html = signed_in(role).get("/admin/vehicle/").get_data(as_text=True)
    assert "ABC123" in html and "PQR456" in html


def test_search_by_plate(signed_in, fleet):
    html = signed_in("viewer").get("/admin/vehicle/?search=PQR").get_data(as_text=True)
    assert "PQR456" in html and "ABC123" not in html


def test_filter_by_customer_id(signed_in, fleet):
    html = signed_in("viewer").get("/admin/vehicle/?flt0_0=customer-002").get_data(as_text=True)
    assert "PQR456" in html and "ABC123" not in html


def test_customer_link_narrows_the_list(signed_in, fleet):
    html = signed_in("viewer").get(f"/admin/vehicle/?customer={fleet['carlos'].id}").get_data(as_text=True)
    assert "ABC123" in html and "PQR456" not in html


def test_operator_creates_a_vehicle_with_a_normalised_plate(signed_in, fleet):
    response = signed_in("operator").post("/admin/vehicle/new/", data=vehicle_form(fleet["ana"]))
    assert response.status_code == 302
    assert db.session.scalar(select(Vehicle).where(Vehicle.plate == "NUE001")).customer_id == fleet["ana"].id


def test_viewer_cannot_create_vehicles(signed_in, fleet):
    signed_in("viewer").post("/admin/vehicle/new/", data=vehicle_form(fleet["ana"]))
    assert db.session.scalar(select(Vehicle).where(Vehicle.plate == "NUE001")) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("plate", "abc 123", "Ya existe un vehículo con esa placa."), ("year", "1800", "Año no válido."),
     ("current_kilometers", "-5", "No puede ser negativo.")],
)  # fmt: skip
def test_vehicle_form_errors_are_shown(signed_in, fleet, field, value, message):
    response = signed_in("operator").post("/admin/vehicle/new/", data=vehicle_form(fleet["ana"], **{field: value}))
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_create_without_csrf_is_refused(signed_in, fleet):
    client = signed_in("operator")
    assert client.client.post("/admin/vehicle/new/", data=vehicle_form(fleet["ana"])).status_code == 400


def test_customer_lookup_searches_by_name(signed_in, fleet):
    response = signed_in("operator").get("/admin/vehicle/ajax/lookup/?name=customer&query=Torres")
    assert [row[1] for row in response.json] == ["Ana Torres"]


def test_narrowed_list_says_whose_vehicles_it_shows(signed_in, fleet):
    html = signed_in("viewer").get(f"/admin/vehicle/?customer={fleet['ana'].id}").get_data(as_text=True)
    assert "Mostrando solo: Ana Torres" in html
