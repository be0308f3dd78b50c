"""app/sync (payloads.py, upserts.py): payload validation and the customer/vehicle upserts (no HTTP, no job)."""

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from app import sync
from app.errors import ApiError
from app.extensions import db
from app.models import Customer, Vehicle
from tests import factories as f


def customers(payload):
    return sync.parse_customers(payload)[0]


def vehicles(payload):
    return sync.parse_vehicles(payload)[0]


def fields_of(parse, payload) -> dict:
    with pytest.raises(ApiError) as caught:
        parse(payload)
    assert caught.value.status == 400
    return caught.value.fields


# Parsing -------------------------------------------------------------------------------------

def test_one_object_is_parsed_as_a_single_item():
    items, many = sync.parse_customers({"customer_id": "c-1"})
    assert [i.customer_id for i in items] == ["c-1"] and many is False


def test_a_list_is_parsed_item_by_item():
    items, many = sync.parse_customers([{"customer_id": "c-1"}, {"customer_id": "c-2"}])
    assert [i.customer_id for i in items] == ["c-1", "c-2"] and many is True


def test_integer_customer_id_becomes_text():
    assert customers({"customer_id": 7})[0].customer_id == "7"


def test_boolean_customer_id_is_rejected():
    assert set(fields_of(sync.parse_customers, {"customer_id": True})) == {"customer_id"}


def test_unknown_fields_are_refused_by_name():
    with pytest.raises(ApiError) as err:
        customers({"customer_id": "c-1", "taller_id": "quito", "loyalty": "gold"})
    assert set(err.value.fields) == {"taller_id", "loyalty"}


def test_the_cores_vehicle_id_is_kept():
    item = sync.parse_vehicles({"vehicle_id": 321, "customer_id": "c-1", "plate": "pbx-1234"})[0][0]
    assert item.changes()["core_vehicle_id"] == "321" and item.stored()["vehicle_id"] == "321"


def test_name_fills_first_and_last_name_when_absent():
    item = customers({"customer_id": "c-1", "name": "  María  José Pérez "})[0]
    assert item.changes() == {"first_name": "María", "last_name": "José Pérez"}


def test_explicit_first_and_last_name_win_over_name():
    item = customers({"customer_id": "c-1", "name": "Carlos Mendoza", "first_name": "Carlitos"})[0]
    assert item.changes() == {"first_name": "Carlitos", "last_name": "Mendoza"}


def test_changes_hold_only_the_fields_the_payload_sent():
    assert customers({"customer_id": "c-1", "email": "a@b.ec"})[0].changes() == {"email": "a@b.ec"}


def test_explicit_null_clears_a_text_field():
    assert customers({"customer_id": "c-1", "whatsapp": None})[0].changes() == {"whatsapp": ""}


def test_invalid_email_is_reported():
    assert fields_of(sync.parse_customers, {"customer_id": "c-1", "email": "no-at-sign"}) == {
        "email": ["Enter a valid email address."]}


def test_empty_email_is_accepted_and_clears_it():
    assert customers({"customer_id": "c-1", "email": ""})[0].changes() == {"email": ""}


def test_negative_sync_version_is_rejected():
    assert set(fields_of(sync.parse_customers, {"customer_id": "c-1", "sync_version": -1})) == {"sync_version"}


def test_list_errors_carry_the_item_index():
    fields = fields_of(sync.parse_customers, [{"customer_id": "c-1"}, "oops", {"customer_id": "c-3", "email": "x"}])
    assert set(fields) == {"[1]", "[2].email"}


def test_empty_list_is_rejected():
    assert fields_of(sync.parse_customers, []) == {"body": ["Send at least one item."]}


def test_body_that_is_neither_object_nor_list_is_rejected():
    assert set(fields_of(sync.parse_customers, "customer-001")) == {"body"}


@pytest.mark.parametrize("raw", ["abc-123", " ABC 123 ", "abc–123", "Abc-12 3"])
def test_plate_is_normalised(raw):
    assert vehicles({"customer_id": "c-1", "plate": raw})[0].plate == "ABC123"


def test_plate_of_only_dashes_is_rejected():
    assert set(fields_of(sync.parse_vehicles, {"customer_id": "c-1", "plate": " - "})) == {"plate"}


def test_missing_plate_is_reported():
    assert fields_of(sync.parse_vehicles, {"customer_id": "c-1"}) == {"plate": ["Field required"]}


def test_vehicle_numbers_must_be_integers():
    fields = fields_of(sync.parse_vehicles, {"customer_id": "c-1", "plate": "A1", "year": "2024",
                                             "current_kilometers": -5, "next_service_kilometers": 1.5})
    assert set(fields) == {"year", "current_kilometers", "next_service_kilometers"}


def test_last_service_date_must_be_an_iso_date():
    assert vehicles({"customer_id": "c-1", "plate": "A1", "last_service_date": "2025-01-31"})[0].changes() == {
        "last_service_date": date(2025, 1, 31)}
    for bad in (1735603200, "31/01/2025"):
        fields = fields_of(sync.parse_vehicles, {"customer_id": "c-1", "plate": "A1", "last_service_date": bad})
        assert set(fields) == {"last_service_date"}


def test_stored_vehicle_payload_is_json_and_validates_again():
    item = vehicles({"customer_id": 9, "plate": "abc-1", "id": str(uuid.uuid4()),
                     "last_service_date": "2025-01-31"})[0]
    stored = item.stored()
    assert stored["customer_id"] == "9" and stored["last_service_date"] == "2025-01-31"
    again = sync.stored_items(sync.VEHICLES_KIND, {"items": [stored]})[0]
    assert again == item and again.model_fields_set == item.model_fields_set


def test_stored_customer_payload_folds_name_into_first_and_last():
    stored = customers({"customer_id": "c-1", "name": "Ana Ruiz", "sync_version": 3})[0].stored()
    assert stored == {"customer_id": "c-1", "first_name": "Ana", "last_name": "Ruiz", "sync_version": 3}


def test_invalid_stored_payload_raises_a_short_message():
    with pytest.raises(sync.InvalidStoredPayload) as caught:
        sync.stored_items(sync.CUSTOMERS_KIND, {"items": [{"email": "x"}]})
    assert str(caught.value).startswith("The stored payload is not valid: [0].customer_id: Field required")


# Customer upserts ----------------------------------------------------------------------------

def test_new_customer_is_created_with_version_and_sync_time(app):
    outcome = sync.apply_customers(customers({"customer_id": "c-1", "first_name": "Ana", "sync_version": 2}))
    db.session.commit()
    row = db.session.scalar(select(Customer))
    assert outcome.created == 1 and (row.first_name, row.last_name, row.sync_version) == ("Ana", "", 2)
    assert row.last_synced_at is not None


def test_existing_customer_keeps_omitted_fields(app):
    f.customer(last_name="Mendoza", phone="+593991234567")
    outcome = sync.apply_customers(customers({"customer_id": "customer-001", "email": "n@example.com"}))
    row = db.session.scalar(select(Customer))
    assert outcome.updated == 1
    assert (row.last_name, row.phone, row.email) == ("Mendoza", "+593991234567", "n@example.com")


def test_stale_customer_version_is_skipped(app):
    f.customer(email="v3@example.com", sync_version=3)
    outcome = sync.apply_customers(customers({"customer_id": "customer-001", "email": "v2@e.ec", "sync_version": 2}))
    assert outcome.skipped == ["customer-001"] and outcome.updated == 0
    assert db.session.scalar(select(Customer.email)) == "v3@example.com"


def test_absent_version_applies_and_keeps_the_stored_version(app):
    f.customer(sync_version=3)
    sync.apply_customers(customers({"customer_id": "customer-001", "email": "new@example.com"}))
    row = db.session.scalar(select(Customer))
    assert (row.email, row.sync_version) == ("new@example.com", 3)


def test_same_customer_twice_in_a_batch_is_created_then_updated(app):
    outcome = sync.apply_customers(customers([{"customer_id": "c-1", "first_name": "A", "sync_version": 1},
                                              {"customer_id": "c-1", "first_name": "B", "sync_version": 2}]))
    db.session.commit()
    assert (outcome.created, outcome.updated) == (1, 1)
    assert db.session.scalar(select(Customer.first_name)) == "B"


def test_older_duplicate_later_in_a_batch_is_skipped(app):
    outcome = sync.apply_customers(customers([{"customer_id": "c-1", "first_name": "New", "sync_version": 2},
                                              {"customer_id": "c-1", "first_name": "Old", "sync_version": 1}]))
    db.session.commit()
    assert outcome.skipped == ["c-1"] and db.session.scalar(select(Customer.first_name)) == "New"


# Vehicle upserts -----------------------------------------------------------------------------

def test_vehicle_is_matched_by_plate(app):
    owner = f.customer()
    f.vehicle(owner, plate="ABC123", year=2020)
    outcome = sync.apply_vehicles(vehicles({"customer_id": "customer-001", "plate": "abc-123", "year": 2021}))
    assert outcome.updated == 1 and db.session.scalar(select(Vehicle.year)) == 2021


def test_vehicle_is_matched_by_id_and_its_plate_changes(app):
    owner = f.customer()
    row = f.vehicle(owner, plate="OLD111")
    outcome = sync.apply_vehicles(vehicles({"id": str(row.id), "customer_id": "customer-001", "plate": "NEW222"}))
    db.session.commit()
    assert outcome.updated == 1 and db.session.scalar(select(Vehicle.plate)) == "NEW222"


def test_vehicle_moves_to_its_new_customer(app):
    f.vehicle(f.customer(), plate="ABC123")
    buyer = f.customer("customer-002", email="ana@example.com")
    sync.apply_vehicles(vehicles({"customer_id": "customer-002", "plate": "ABC123"}))
    assert db.session.scalar(select(Vehicle.customer_id)) == buyer.id


def test_vehicle_omitted_fields_keep_their_values(app):
    f.vehicle(f.customer(), plate="ABC123", brand="Haval", model="H6", year=2024, current_kilometers=1000)
    sync.apply_vehicles(vehicles({"customer_id": "customer-001", "plate": "ABC123", "current_kilometers": 2000}))
    row = db.session.scalar(select(Vehicle))
    assert (row.brand, row.model, row.year, row.current_kilometers) == ("Haval", "H6", 2024, 2000)


def test_vehicle_for_unknown_customer_is_an_item_error(app):
    outcome = sync.apply_vehicles(vehicles({"customer_id": "nobody", "plate": "ABC123"}))
    assert outcome.all_failed and outcome.errors[0]["code"] == "unknown_customer"
    assert db.session.scalar(select(Vehicle)) is None


def test_vehicle_id_that_does_not_exist_is_an_item_error(app):
    f.customer()
    outcome = sync.apply_vehicles(vehicles({"id": str(uuid.uuid4()), "customer_id": "customer-001", "plate": "A1"}))
    assert outcome.errors[0]["code"] == "vehicle_not_found"


def test_plate_change_onto_another_vehicles_plate_is_an_item_error(app):
    owner = f.customer()
    mine = f.vehicle(owner, plate="MINE11")
    f.vehicle(owner, plate="TAKEN1")
    outcome = sync.apply_vehicles(vehicles({"id": str(mine.id), "customer_id": "customer-001", "plate": "TAKEN1"}))
    assert outcome.errors[0]["code"] == "plate_taken"
    assert mine.plate == "MINE11"


def test_plates_freed_earlier_in_a_batch_can_be_reused(app):
    owner = f.customer()
    # Ids chosen so a flush in primary-key order would write `first`'s new plate before `second` frees it.
    first = f.vehicle(owner, plate="AAA111", id=uuid.UUID(int=1))
    second = f.vehicle(owner, plate="BBB222", id=uuid.UUID(int=2))
    outcome = sync.apply_vehicles(vehicles([
        {"id": str(second.id), "customer_id": "customer-001", "plate": "CCC333"},
        {"id": str(first.id), "customer_id": "customer-001", "plate": "BBB222"},
    ]))
    db.session.commit()
    assert outcome.updated == 2 and not outcome.errors
    assert sorted(db.session.scalars(select(Vehicle.plate))) == ["BBB222", "CCC333"]


def test_stale_vehicle_version_is_skipped(app):
    f.vehicle(f.customer(), plate="ABC123", year=2024, sync_version=4)
    outcome = sync.apply_vehicles(vehicles({"customer_id": "customer-001", "plate": "ABC123", "year": 1999,
                                            "sync_version": 3}))
    assert outcome.skipped == ["ABC123"] and db.session.scalar(select(Vehicle.year)) == 2024


def test_sweeper_requeues_a_sync_task_whose_job_was_lost(app):
    from datetime import timedelta

    from app.delivery import sweep
    from app.models import BackgroundTask, Customer
    from app.models.base import utcnow

    task = BackgroundTask(kind=sync.CUSTOMERS_KIND, payload={"items": [{"customer_id": "lost-1", "email": "l@example.com"}]},
                          created_at=utcnow() - timedelta(minutes=10))
    db.session.add(task)
    db.session.commit()
    assert sweep()["requeued_sync_tasks"] == 1
    db.session.expire_all()
    assert db.session.get(BackgroundTask, task.id).status == "SUCCESS"
    assert db.session.execute(db.select(Customer).where(Customer.customer_id == "lost-1")).scalar_one()
