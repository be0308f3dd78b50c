"""Staff find a customer in Chromium the way they type: a plate with a dash, a name without accents."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests import factories


@pytest.fixture
def people(app):
    jose = factories.customer("customer-001", first_name="José", last_name="Ordóñez", email="jose@example.com",
                              phone="+593968367322")
    factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com")
    factories.vehicle(jose, plate="UCC8299", brand="Chevrolet", model="Sail")
    db.session.commit()


def search_customers(page, typed: str):
    page.goto("/admin/customer/")
    box = page.locator("input[name=search]")
    box.fill(typed)
    box.press("Enter")
    page.wait_for_url("**/admin/customer/?*search=*")


@pytest.mark.parametrize("typed", ["UCC-8299", "Ordonez"])
def test_operator_finds_a_customer_as_typed(page, sign_in, screenshot, people, typed):
    sign_in(page, "operator")
    search_customers(page, typed)
    table = page.locator("table.model-list")
    assert "Ordóñez" in table.inner_text() and "Torres" not in table.inner_text()
    screenshot(page, f"customers-search-{typed.lower()}")
