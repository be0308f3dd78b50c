"""The API's list filters that search customers and plates use the staff search (app/records/search.py):
accents, plates with a dash or space, national phone numbers."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.factories import customer, vehicle

CUSTOMERS = "/api/v1/notifications/customers/"
VEHICLES = "/api/v1/notifications/vehicles/"


@pytest.fixture
def people(db_session):
    jose = customer("c-1", first_name="José", last_name="Ordóñez", email="jose@example.com", phone="+593968367322")
    ana = customer("c-2", first_name="Ana", last_name="Torres", email="ana@example.com", phone="+593991112233")
    vehicle(jose, plate="UCC8299", model="Sail")
    vehicle(ana, plate="PBA1234", model="Rio")
    db_session.commit()


@pytest.mark.parametrize("typed", ["Ordonez", "ORDÓÑEZ", "UCC-8299", "ucc 8299", "0968367322"])
def test_customer_search_finds_names_plates_and_national_phones(client, api_headers, people, typed):
    results = client.get(f"{CUSTOMERS}?search={quote(typed)}", headers=api_headers).get_json()["results"]
    assert [c["customer_id"] for c in results] == ["c-1"]


@pytest.mark.parametrize("typed", ["UCC-8299", "ucc 8299", "ucc8299", "C-82"])
def test_vehicle_plate_filter_ignores_dashes_and_spaces(client, api_headers, people, typed):
    results = client.get(f"{VEHICLES}?plate={quote(typed)}", headers=api_headers).get_json()["results"]
    assert [v["plate"] for v in results] == ["UCC8299"]


def test_vehicle_plate_filter_of_only_separators_filters_nothing(client, api_headers, people):
    assert client.get(f"{VEHICLES}?plate=-", headers=api_headers).get_json()["count"] == 2
