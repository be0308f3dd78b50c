from tests.factories import basic_setup

BASE = "/api/v1/notifications"


def test_catalog_lists_types_with_subtypes_and_ordered_phases(client, api_headers):
    basic_setup()
    body = client.get(f"{BASE}/catalog/", headers=api_headers).get_json()
    averia = next(t for t in body["service_types"] if t["slug"] == "averia-revision")
    assert averia["subtypes"] == [{"slug": "averia-frenos", "name": "Frenos", "icon": ""}]
    assert [p["order"] for p in body["phases"]] == [1, 2, 3, 4, 5]
    assert set(body["phases"][0]) == {"slug", "name", "icon", "order"}


def test_phases_are_paginated_in_order(client, api_headers):
    basic_setup()
    body = client.get(f"{BASE}/phases/?page_size=2", headers=api_headers).get_json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["previous"] is None
    assert "page=2" in body["next"]
    assert [p["slug"] for p in body["results"]] == ["phase-schedule", "phase-reception"]


def test_phase_retrieve_and_unknown_is_404(client, api_headers):
    setup = basic_setup()
    ph = setup.phases["phase-repair"]
    assert client.get(f"{BASE}/phases/{ph.id}/", headers=api_headers).get_json()["slug"] == "phase-repair"
    res = client.get(f"{BASE}/phases/not-a-uuid/", headers=api_headers)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"


def test_service_types_list_top_level_only_with_nested_subtypes(client, api_headers):
    basic_setup()
    body = client.get(f"{BASE}/service-types/", headers=api_headers).get_json()
    assert {t["slug"] for t in body["results"]} == {"mantenimiento-preventivo", "averia-revision"}
    averia = next(t for t in body["results"] if t["slug"] == "averia-revision")
    assert averia["subtypes"][0]["slug"] == "averia-frenos"


def test_page_past_the_end_is_404_and_page_size_is_capped(client, api_headers):
    basic_setup()
    assert client.get(f"{BASE}/phases/?page=9", headers=api_headers).status_code == 404
    res = client.get(f"{BASE}/phases/?page_size=1000", headers=api_headers)
    assert res.status_code == 400 and "page_size" in res.get_json()["error"]["fields"]


def test_catalog_is_read_only(client, api_headers):
    assert client.post(f"{BASE}/phases/", headers=api_headers, json={}).status_code == 405
