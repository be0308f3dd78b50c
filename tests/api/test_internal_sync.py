"""/api/internal/v1: customer and vehicle sync webhooks (queued, inline in tests) and task status."""

import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import BackgroundTask, Customer, DispatchEvent, Notification, Vehicle
from app.models.enums import NotificationStatus, TaskStatus
from tests import factories as f

CUSTOMERS_URL = "/api/internal/v1/customers/sync/"
VEHICLES_URL = "/api/internal/v1/vehicles/sync/"
DISPATCH_URL = "/api/v1/notifications/events/dispatch/"

CARLOS = {"customer_id": "customer-001", "first_name": "Carlos", "last_name": "Mendoza",
          "email": "carlos@example.com", "phone": "+593991234567"}


def status_url(task_id: str) -> str:
    return f"/api/internal/v1/tasks/{task_id}/status/"


def stored_customer(customer_id: str = "customer-001") -> Customer | None:
    db.session.remove()  # read what the job committed, not this session's identity map
    return db.session.scalar(select(Customer).where(Customer.customer_id == customer_id))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sync_customers(client, headers, payload):
    return client.post(CUSTOMERS_URL, json=payload, headers=headers)


def task_of(client, headers, response) -> dict:
    return client.get(status_url(response.get_json()["task_id"]), headers=headers).get_json()


# Authentication ------------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [("post", CUSTOMERS_URL), ("post", VEHICLES_URL),
                                        ("get", status_url(uuid.uuid4()))])
def test_missing_internal_secret_is_401(client, method, url):
    res = getattr(client, method)(url, json=CARLOS)
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "invalid_internal_secret"


@pytest.mark.parametrize("method,url", [("post", CUSTOMERS_URL), ("post", VEHICLES_URL),
                                        ("get", status_url(uuid.uuid4()))])
def test_wrong_internal_secret_is_401(client, method, url):
    res = getattr(client, method)(url, json=CARLOS, headers={"X-Internal-Secret": "not-the-secret"})
    assert res.status_code == 401
    assert count(Customer) == 0


# Customers -----------------------------------------------------------------------------------

def test_single_customer_is_accepted_created_and_task_succeeds(client, internal_headers):
    res = sync_customers(client, internal_headers, CARLOS)
    assert res.status_code == 202
    body = res.get_json()
    assert body["status"] == "accepted" and body["customer_id"] == "customer-001"
    assert uuid.UUID(body["task_id"]) and "count" not in body
    task = task_of(client, internal_headers, res)
    assert task["status"] == "SUCCESS" and task["successful"] is True
    assert task["result"]["created"] == 1 and task["result"]["customer_ids"] == ["customer-001"]
    row = stored_customer()
    assert (row.first_name, row.last_name, row.email, row.phone) == ("Carlos", "Mendoza", "carlos@example.com",
                                                                     "+593991234567")
    assert row.last_synced_at is not None


def test_reference_example_name_is_split_into_first_and_last_name(client, internal_headers):
    payload = {"customer_id": "customer-001", "name": "Carlos Mendoza Ruiz", "email": "carlos@example.com",
               "phone": "+593991234567"}
    assert sync_customers(client, internal_headers, payload).status_code == 202
    row = stored_customer()
    assert (row.first_name, row.last_name) == ("Carlos", "Mendoza Ruiz")


def test_integer_customer_id_is_stored_as_text(client, internal_headers):
    res = sync_customers(client, internal_headers, {**CARLOS, "customer_id": 42})
    assert res.get_json()["customer_id"] == "42"
    assert stored_customer("42") is not None


def test_list_of_customers_is_accepted_with_count_and_ids(client, internal_headers):
    payload = [{**CARLOS, "customer_id": f"c-{i}", "email": f"c{i}@example.com"} for i in range(3)]
    res = sync_customers(client, internal_headers, payload)
    assert res.status_code == 202
    body = res.get_json()
    assert body["count"] == 3 and body["customer_ids"] == ["c-0", "c-1", "c-2"] and body["customer_id"] == "c-0"
    assert task_of(client, internal_headers, res)["result"]["created"] == 3
    assert count(Customer) == 3


def test_sync_updates_an_existing_customer(client, internal_headers):
    f.customer()
    db.session.commit()
    res = sync_customers(client, internal_headers, {**CARLOS, "email": "nuevo@example.com"})
    assert task_of(client, internal_headers, res)["result"]["updated"] == 1
    assert stored_customer().email == "nuevo@example.com"
    assert count(Customer) == 1


def test_omitted_field_keeps_its_stored_value(client, internal_headers):
    f.customer(last_name="Mendoza", whatsapp="+593990000000")
    db.session.commit()
    sync_customers(client, internal_headers, {"customer_id": "customer-001", "first_name": "Carlitos"})
    row = stored_customer()
    assert (row.first_name, row.last_name, row.whatsapp) == ("Carlitos", "Mendoza", "+593990000000")


def test_stale_sync_version_is_acknowledged_but_not_applied(client, internal_headers):
    f.customer(email="v5@example.com", sync_version=5)
    db.session.commit()
    res = sync_customers(client, internal_headers, {**CARLOS, "email": "v4@example.com", "sync_version": 4})
    assert res.status_code == 202
    task = task_of(client, internal_headers, res)
    assert task["status"] == "SUCCESS"
    assert task["result"]["skipped_stale"] == 1 and task["result"]["skipped_stale_customer_ids"] == ["customer-001"]
    row = stored_customer()
    assert (row.email, row.sync_version) == ("v5@example.com", 5)


def test_equal_sync_version_is_applied(client, internal_headers):
    f.customer(email="old@example.com", sync_version=1)
    db.session.commit()
    res = sync_customers(client, internal_headers, {**CARLOS, "email": "same@example.com", "sync_version": 1})
    assert task_of(client, internal_headers, res)["result"]["updated"] == 1
    assert stored_customer().email == "same@example.com"


def test_invalid_email_is_400_naming_the_field_and_nothing_is_stored(client, internal_headers):
    res = sync_customers(client, internal_headers, {**CARLOS, "email": "carlos-at-example"})
    assert res.status_code == 400
    assert list(res.get_json()["error"]["fields"]) == ["email"]
    assert count(Customer) == 0 and count(BackgroundTask) == 0


def test_errors_in_a_list_are_named_by_index(client, internal_headers):
    payload = [CARLOS, {**CARLOS, "customer_id": "c-2", "email": "bad"}, {"first_name": "Ana"}]
    res = sync_customers(client, internal_headers, payload)
    assert res.status_code == 400
    assert set(res.get_json()["error"]["fields"]) == {"[1].email", "[2].customer_id"}
    assert count(Customer) == 0 and count(BackgroundTask) == 0


def test_malformed_json_is_400(client, internal_headers):
    res = client.post(CUSTOMERS_URL, data='{"customer_id": ', headers={**internal_headers,
                                                                       "Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "malformed_json"


def test_wrong_type_is_400(client, internal_headers):
    res = sync_customers(client, internal_headers, {**CARLOS, "sync_version": "2", "first_name": ["Carlos"]})
    assert res.status_code == 400
    assert set(res.get_json()["error"]["fields"]) == {"sync_version", "first_name"}
    assert count(BackgroundTask) == 0


def test_missing_customer_id_is_400(client, internal_headers):
    res = sync_customers(client, internal_headers, {"name": "Carlos Mendoza"})
    assert res.status_code == 400
    assert res.get_json()["error"]["fields"] == {"customer_id": ["Field required"]}


def test_more_than_a_thousand_items_is_400(client, internal_headers):
    payload = [{"customer_id": f"c-{i}"} for i in range(1001)]
    res = sync_customers(client, internal_headers, payload)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "too_many_items"


# Vehicles ------------------------------------------------------------------------------------

def test_vehicle_is_created_and_linked_to_its_customer(client, internal_headers):
    owner = f.customer()
    db.session.commit()
    owner_id = owner.id
    payload = {"customer_id": "customer-001", "plate": "ABC123", "brand": "Haval", "model": "H6", "year": 2024,
               "current_kilometers": 15000, "last_service_date": "2025-11-03"}
    res = client.post(VEHICLES_URL, json=payload, headers=internal_headers)
    assert res.status_code == 202 and res.get_json()["plate"] == "ABC123"
    assert task_of(client, internal_headers, res)["result"]["created"] == 1
    db.session.remove()
    vehicle = db.session.scalar(select(Vehicle))
    assert vehicle.customer_id == owner_id
    assert (vehicle.brand, vehicle.model, vehicle.year, vehicle.current_kilometers) == ("Haval", "H6", 2024, 15000)
    assert vehicle.last_service_date.isoformat() == "2025-11-03"


def test_vehicle_plate_is_normalised(client, internal_headers):
    f.customer()
    db.session.commit()
    res = client.post(VEHICLES_URL, json={"customer_id": "customer-001", "plate": " abc-12 3 "},
                      headers=internal_headers)
    assert res.get_json()["plate"] == "ABC123"
    assert db.session.scalar(select(Vehicle.plate)) == "ABC123"


def test_vehicle_for_an_unknown_customer_is_reported_and_not_stored(client, internal_headers):
    res = client.post(VEHICLES_URL, json={"customer_id": "nobody", "plate": "ABC123"}, headers=internal_headers)
    assert res.status_code == 202
    task = task_of(client, internal_headers, res)
    assert task["status"] == "FAILURE" and "Customer 'nobody' is not synced" in task["error"]
    assert task["result"]["errors"][0]["code"] == "unknown_customer"
    assert count(Vehicle) == 0


def test_vehicle_for_an_unknown_customer_in_a_list_is_reported_while_the_others_apply(client, internal_headers):
    f.customer()
    db.session.commit()
    payload = [{"customer_id": "customer-001", "plate": "ABC123"}, {"customer_id": "nobody", "plate": "XYZ999"}]
    res = client.post(VEHICLES_URL, json=payload, headers=internal_headers)
    assert res.get_json()["plates"] == ["ABC123", "XYZ999"]
    task = task_of(client, internal_headers, res)
    assert task["status"] == "SUCCESS"
    assert task["result"]["created"] == 1 and task["result"]["failed"] == 1
    assert task["result"]["errors"] == [{"index": 1, "plate": "XYZ999", "code": "unknown_customer",
                                         "message": "Customer 'nobody' is not synced; vehicle XYZ999 was not stored."}]


# Task status ---------------------------------------------------------------------------------

def test_task_status_of_an_unknown_id_is_404(client, internal_headers):
    res = client.get(status_url(uuid.uuid4()), headers=internal_headers)
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"


def test_task_status_of_a_non_uuid_is_404(client, internal_headers):
    res = client.get(status_url("not-a-uuid"), headers=internal_headers)
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"


def test_task_status_shape_when_successful(client, internal_headers):
    res = sync_customers(client, internal_headers, CARLOS)
    body = task_of(client, internal_headers, res)
    assert set(body) == {"task_id", "status", "ready", "successful", "failed", "result"}
    assert (body["status"], body["ready"], body["successful"], body["failed"]) == ("SUCCESS", True, True, False)
    assert body["task_id"] == res.get_json()["task_id"]


def test_task_status_shape_when_failed_has_a_short_error_and_no_traceback(client, internal_headers):
    from jobs.sync import sync_customers as job

    task = BackgroundTask(kind="sync_customers", status=TaskStatus.PENDING, payload={"items": [{"email": "x"}]},
                          error="")
    db.session.add(task)
    db.session.commit()
    task_id = str(task.id)
    job(task_id)
    body = client.get(status_url(task_id), headers=internal_headers).get_json()
    assert (body["status"], body["ready"], body["successful"], body["failed"]) == ("FAILURE", True, False, True)
    assert "error" in body and "result" not in body
    assert "customer_id" in body["error"] and "Traceback" not in body["error"] and "\n" not in body["error"]


def test_task_status_of_a_pending_task_is_not_ready(client, internal_headers):
    task = BackgroundTask(kind="sync_customers", status=TaskStatus.PENDING, payload={"items": []}, error="")
    db.session.add(task)
    db.session.commit()
    body = client.get(status_url(task.id), headers=internal_headers).get_json()
    assert body == {"task_id": str(task.id), "status": "PENDING", "ready": False, "successful": False,
                    "failed": False}


# Waiting dispatches --------------------------------------------------------------------------

def test_dispatch_waiting_for_a_customer_is_planned_after_that_customer_syncs(client, api_headers,
                                                                              internal_headers):
    f.basic_setup()
    first = client.post(DISPATCH_URL, json=f.dispatch_payload(), headers=api_headers)
    assert first.status_code == 202 and first.get_json()["status"] == "waiting_for_customer"
    correlation_id = first.get_json()["correlation_id"]

    assert sync_customers(client, internal_headers, CARLOS).status_code == 202

    res = client.get(f"/api/v1/notifications/events/{correlation_id}/", headers=api_headers)
    rows = res.get_json()["notifications"]
    assert {r["channel"] for r in rows} == {"email", "whatsapp"}
    assert all(r["status"] != NotificationStatus.WAITING_FOR_CUSTOMER for r in rows)
    db.session.remove()
    assert db.session.scalar(select(DispatchEvent.status)) == "planned"
    assert count(Notification) == 2
