"""Templates, customers, vehicles, reminders and workshops pages in Chromium, on a laptop and a
tablet: each renders, fits the screen width, and is photographed."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import MaintenanceReminder
from tests import factories


def sample() -> dict:
    setup = factories.basic_setup()
    factories.workshop(whatsapp_enabled=False)
    carlos = factories.customer(preferences=[("whatsapp", True, 1), ("email", True, 2), ("push", False, 3)])
    factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com")
    car = factories.vehicle(carlos, plate="ABC123", current_kilometers=45200)
    db.session.add(MaintenanceReminder(vehicle_id=car.id, customer_id=carlos.id, title="Cambio de aceite",
                                       due_date=date(2030, 1, 10), due_kilometers=50000))  # fmt: skip
    factories.push_subscription(carlos, "https://push.example/abc", "p256dh", "auth")
    db.session.commit()
    return {"setup": setup, "carlos": carlos}


PAGES = [
    ("templates-list", lambda s: "/admin/template/"),
    ("template-details", lambda s: f"/admin/template/details/?id={s['setup'].templates['mantenimiento-preventivo:phase-repair:email'].id}"),
    ("customers-list", lambda s: "/admin/customer/"),
    ("customer-detail", lambda s: f"/admin/customer/details/?id={s['carlos'].id}"),
    ("vehicles-list", lambda s: "/admin/vehicle/"),
    ("reminders-list", lambda s: "/admin/reminder/"),
    ("workshops-list", lambda s: "/admin/workshop/"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_page_renders_on_a_laptop(page, sign_in, screenshot, name, path):
    rows = sample()
    sign_in(page, "admin")
    assert page.goto(path(rows)).status == 200
    screenshot(page, name)


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_page_fits_a_tablet(tablet_page, sign_in, screenshot, name, path):
    rows = sample()
    sign_in(tablet_page, "operator")
    assert tablet_page.goto(path(rows)).status == 200
    assert tablet_page.evaluate("document.documentElement.scrollWidth") <= 820
    screenshot(tablet_page, f"{name}-tablet")


def test_matrix_page_in_english(page, sign_in):
    rows = sample()
    sign_in(page, "admin")
    page.goto(f"/admin/matrix/?service_type={rows['setup'].types['mantenimiento-preventivo'].id}&lang=en")
    assert page.locator("#b-matrix-save").inner_text() == "Save matrix"
    assert "Which channels each service phase uses" in page.content()
    page.goto("/admin/matrix/?lang=es")
    assert page.locator("#b-matrix-save").inner_text() == "Guardar matriz"
