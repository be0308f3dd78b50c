from tests.factories import customer, vehicle

BASE = "/api/v1/notifications/customers/"


def test_create_and_retrieve_by_customer_id(client, api_headers):
    res = client.post(BASE, headers=api_headers, json={"customer_id": "c-9", "first_name": "Ana", "last_name": "Paz",
                                                       "email": "ana@example.com"})
    assert res.status_code == 201
    body = client.get(f"{BASE}c-9/", headers=api_headers).get_json()
    assert body["full_name"] == "Ana Paz" and len(body["channel_preferences"]) == 3


def test_create_rejects_duplicates_and_bad_email(client, api_headers, db_session):
    customer("c-1")
    db_session.commit()
    assert client.post(BASE, headers=api_headers, json={"customer_id": "c-1"}).status_code == 400
    res = client.post(BASE, headers=api_headers, json={"customer_id": "c-2", "email": "nope"})
    assert res.status_code == 400 and "email" in res.get_json()["error"]["fields"]


def test_search_matches_name_email_or_phone(client, api_headers, db_session):
    customer("c-1", first_name="Lucia", email="lu@example.com", phone="+593900000001")
    customer("c-2", first_name="Pedro", email="pe@example.com", phone="+593900000002")
    db_session.commit()
    for term in ("Lucia", "lu@example", "000001"):
        results = client.get(f"{BASE}?search={term}", headers=api_headers).get_json()["results"]
        assert [c["customer_id"] for c in results] == ["c-1"]


def test_patch_put_delete(client, api_headers, db_session):
    customer("c-1")
    db_session.commit()
    assert client.patch(f"{BASE}c-1/", headers=api_headers, json={"phone": "+59311"}).get_json()["phone"] == "+59311"
    put = client.put(f"{BASE}c-1/", headers=api_headers, json={"first_name": "Solo"}).get_json()
    assert put["first_name"] == "Solo" and put["email"] is None
    assert client.delete(f"{BASE}c-1/", headers=api_headers).status_code == 204
    assert client.get(f"{BASE}c-1/", headers=api_headers).status_code == 404


def test_preferences_update_and_read_back(client, api_headers, db_session):
    customer("c-1")
    db_session.commit()
    res = client.post(f"{BASE}c-1/update_preferences/", headers=api_headers, json={"preferences": [
        {"channel": "email", "enabled": True, "priority": 1}, {"channel": "whatsapp", "enabled": False, "priority": 2}]})
    assert res.status_code == 200
    prefs = client.get(f"{BASE}c-1/preferences/", headers=api_headers).get_json()
    assert [p["channel"] for p in prefs][:2] == ["email", "whatsapp"] and prefs[1]["enabled"] is False


def test_preferences_reject_unknown_channel(client, api_headers, db_session):
    customer("c-1")
    db_session.commit()
    res = client.post(f"{BASE}c-1/update_preferences/", headers=api_headers,
                      json={"preferences": [{"channel": "fax", "priority": 1}]})
    assert res.status_code == 400


def test_customer_vehicles_and_reminders_are_bare_arrays(client, api_headers, db_session):
    owner = customer("c-1")
    car = vehicle(owner, "PBA1234")
    db_session.commit()
    assert [v["plate"] for v in client.get(f"{BASE}c-1/vehicles/", headers=api_headers).get_json()] == ["PBA1234"]
    client.post("/api/v1/notifications/reminders/", headers=api_headers,
                json={"vehicle": str(car.id), "due_kilometers": 20000})
    assert len(client.get(f"{BASE}c-1/reminders/?status=pending", headers=api_headers).get_json()) == 1
    assert client.get(f"{BASE}c-1/reminders/?status=completed", headers=api_headers).get_json() == []
    assert client.get(f"{BASE}nobody/vehicles/", headers=api_headers).status_code == 404
