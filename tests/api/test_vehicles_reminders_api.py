from tests.factories import customer, vehicle

VEHICLES = "/api/v1/notifications/vehicles/"
REMINDERS = "/api/v1/notifications/reminders/"


def test_vehicle_crud_and_filters(client, api_headers, db_session):
    customer("c-1")
    customer("c-2")
    db_session.commit()
    res = client.post(VEHICLES, headers=api_headers, json={"customer_id": "c-1", "plate": "pba 123", "year": 2020})
    assert res.status_code == 201 and res.get_json()["plate"] == "PBA123"
    dashed = client.post(VEHICLES, headers=api_headers, json={"customer_id": "c-2", "plate": "gye-0042"})
    assert dashed.get_json()["plate"] == "GYE0042"  # the same form the sync and CSV import store
    client.post(VEHICLES, headers=api_headers, json={"customer_id": "c-2", "plate": "XYZ9"})
    assert client.get(f"{VEHICLES}?customer_id=c-1", headers=api_headers).get_json()["count"] == 1
    assert client.get(f"{VEHICLES}?plate=xyz", headers=api_headers).get_json()["results"][0]["plate"] == "XYZ9"
    vid = res.get_json()["id"]
    assert client.patch(f"{VEHICLES}{vid}/", headers=api_headers, json={"brand": "Kia"}).get_json()["brand"] == "Kia"
    assert client.delete(f"{VEHICLES}{vid}/", headers=api_headers).status_code == 204


def test_vehicle_duplicate_plate_and_unknown_owner_are_400(client, api_headers, db_session):
    vehicle(customer("c-1"), "ABC1")
    db_session.commit()
    assert client.post(VEHICLES, headers=api_headers, json={"plate": "ABC1"}).status_code == 400
    res = client.post(VEHICLES, headers=api_headers, json={"plate": "NEW1", "customer_id": "ghost"})
    assert res.status_code == 400 and "customer_id" in res.get_json()["error"]["fields"]


def test_reminder_crud_filters_and_complete(client, api_headers, db_session):
    car = vehicle(customer("c-1"), "ABC1")
    db_session.commit()
    res = client.post(REMINDERS, headers=api_headers, json={"vehicle": str(car.id), "due_date": "2030-01-01"})
    assert res.status_code == 201
    body = res.get_json()
    assert body["vehicle_plate"] == "ABC1" and body["status_display"] == "Pendiente"
    assert client.get(f"{REMINDERS}?customer_id=c-1&status=pending", headers=api_headers).get_json()["count"] == 1
    assert client.get(f"{REMINDERS}?vehicle_id={car.id}", headers=api_headers).get_json()["count"] == 1
    done = client.post(f"{REMINDERS}{body['id']}/complete/", headers=api_headers).get_json()
    assert done["status"] == "completed" and done["completed_at"]
    assert client.delete(f"{REMINDERS}{body['id']}/", headers=api_headers).status_code == 204


def test_reminder_needs_a_due_date_or_kilometers(client, api_headers, db_session):
    car = vehicle(customer("c-1"), "ABC1")
    db_session.commit()
    res = client.post(REMINDERS, headers=api_headers, json={"vehicle": str(car.id)})
    assert res.status_code == 400 and "target_date" in res.get_json()["error"]["fields"]
