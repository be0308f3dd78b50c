"""Staff find a customer in Chromium the way they type: a plate with a dash, a name without accents."""

from __future__ import annotations

import pytest

from tests.records.builders import search_sample


@pytest.fixture
def people(app):
    return search_sample()


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
