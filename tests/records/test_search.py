"""Staff search (app/records/search.py) on every searched list: customers, vehicles, reminders and the
notification log, with accents, plates and phones written the way staff type them; and the stored
search columns kept current on every write path (ORM/console, API, sync, CSV import).

Runs on SQLite by default and on PostgreSQL (trigram indexes) in CI mode."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import records, sync
from app.data_io import import_table, read_csv
from app.extensions import db
from app.models import Customer, MaintenanceReminder, Notification, Vehicle
from tests.records.builders import search_sample


@pytest.fixture
def people(app):
    return search_sample()


def customer_ids(typed: str) -> set[str]:
    return {c.customer_id for c in db.session.scalars(records.customer_query(typed))}


def plates(condition) -> set[str]:
    return set(db.session.scalars(select(Vehicle.plate).where(condition)))


def reminder_titles(typed: str) -> set[str]:
    return set(db.session.scalars(select(MaintenanceReminder.title).where(records.reminder_search(typed))))


def log_customers(typed: str) -> set[str]:
    return set(db.session.scalars(select(Notification.customer_ref).where(records.notification_search(typed))))


SAME_CUSTOMER = ["Ordonez", "ordóñez", "ORDONEZ", "jose ordonez", "Ordóñez José", "UCC-8299", "UCC8299", "ucc 8299",
                 "0968367322", "+593968367322", "+593 96 836 7322", "836 7322", "jose@example", "customer-001"]


@pytest.mark.parametrize("typed", SAME_CUSTOMER)
def test_customers_are_found_by_name_plate_phone_email_or_id_as_typed(people, typed):
    assert customer_ids(typed) == {"customer-001"}


def test_a_national_phone_finds_a_customer_stored_in_international_form(people):
    assert customer_ids("0991112233") == {"customer-002"}
    assert customer_ids("+593991112233") == {"customer-002"}


def test_a_customer_search_with_no_match_finds_nobody(people):
    assert customer_ids("Zambrano") == set()


def test_like_wildcards_typed_by_staff_are_literal(people):
    assert customer_ids("%") == set() and customer_ids("_") == set()


@pytest.mark.parametrize("typed", ["UCC-8299", "ucc 8299", "Sail", "sail", "chevrolet", "Ordonez"])
def test_vehicles_are_found_by_plate_model_brand_or_owner(people, typed):
    assert plates(records.vehicle_search(typed)) == {"UCC8299"}


@pytest.mark.parametrize("typed", ["UCC-8299", "ucc 8299", "cc-82", "8299"])
def test_the_plate_filter_ignores_dashes_and_spaces(people, typed):
    assert plates(records.plate_contains(typed)) == {"UCC8299"}


def test_the_plate_filter_does_not_match_models(people):
    assert plates(records.plate_contains("Sail")) == set()


def test_the_vehicle_list_filter_of_the_api_takes_a_plate_with_a_dash(people):
    assert [v.plate for v in db.session.scalars(records.vehicle_query(plate="UCC-8299"))] == ["UCC8299"]


@pytest.mark.parametrize("typed", ["UCC-8299", "ordonez", "sail", "aceite"])
def test_reminders_are_found_by_plate_owner_model_or_title(people, typed):
    assert reminder_titles(typed) == {"Cambio de aceite"}


@pytest.mark.parametrize("typed", ["Ordonez", "UCC-8299", "ucc 8299", "0968367322"])
def test_the_notification_log_is_found_by_customer_name_plate_or_phone(people, typed):
    assert log_customers(typed) == {"customer-001"}


def test_the_search_column_follows_an_edit(people):
    jose = people["jose"]
    jose.last_name, jose.phone = "Núñez", "0987654321"
    db.session.commit()
    assert customer_ids("nunez") == {"customer-001"} and customer_ids("ordonez") == set()
    assert customer_ids("0987654321") == {"customer-001"}


def test_a_vehicle_edit_moves_its_plate_and_model(people):
    car = db.session.scalar(select(Vehicle).where(Vehicle.plate == "UCC8299"))
    car.plate, car.model = "GBC0042", "Onix"
    db.session.commit()
    assert plates(records.vehicle_search("gbc-0042")) == {"GBC0042"}
    assert plates(records.vehicle_search("onix")) == {"GBC0042"} and plates(records.vehicle_search("sail")) == set()


def test_the_api_write_path_fills_the_search_column(app):
    values = {"customer_id": "api-1", "first_name": "Íñigo", "last_name": "Peña", "email": "", "phone": "0971234567",
              "whatsapp": "", "is_active": True}
    records.save_customer(None, values)
    assert customer_ids("inigo pena") == {"api-1"} and customer_ids("+593971234567") == {"api-1"}


def test_the_sync_write_path_fills_the_search_column(app):
    sync.apply_customers([sync.CustomerSync(customer_id="sync-1", name="Martín Guzmán", phone="0961111111")])
    db.session.commit()
    assert customer_ids("martin guzman") == {"sync-1"} and customer_ids("+593961111111") == {"sync-1"}


def test_the_csv_import_fills_the_search_column(app):
    data = "customer_id,name,email,phone\nC-9,Lucía Álvarez,,0962222222\n".encode()
    assert import_table("customers", read_csv(data)).written
    assert customer_ids("lucia alvarez") == {"C-9"} and customer_ids("+593962222222") == {"C-9"}


def test_the_stored_text_is_what_the_normaliser_gives(people):
    jose = db.session.scalar(select(Customer).where(Customer.customer_id == "customer-001"))
    assert jose.search_text == "jose ordonez jose@example.com customer-001 593968367322"


def test_the_log_search_of_many_matching_customers_reads_the_log_newest_first(people, monkeypatch):
    monkeypatch.setattr("app.records.search.LOG_SEARCH_CUSTOMERS", 0)
    assert log_customers("example.com") == {"customer-001", "customer-002"}
    assert log_customers("ucc 8299") == {"customer-001"}


@pytest.mark.parametrize("typed", ["sail", "ordonez", "UCC-8299"])
def test_the_vehicle_search_of_many_matching_vehicles_passes_over_the_table(people, monkeypatch, typed):
    monkeypatch.setattr("app.records.search.LIST_SEARCH_IDS", 0)
    assert plates(records.vehicle_search(typed)) == {"UCC8299"}
