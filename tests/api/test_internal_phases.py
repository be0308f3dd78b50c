from app.models import NotificationTemplate, PhaseChannelConfig, ServicePhase
from tests.factories import basic_setup, customer, vehicle

URL = "/api/internal/v1/phases/sync/"


def test_partial_sync_upserts_by_slug(client, internal_headers, db_session):
    basic_setup()
    res = client.post(URL, headers=internal_headers, json={"sync_mode": "partial", "phases": [
        {"slug": "phase-repair", "name": "Taller", "order": 3}, {"slug": "phase-wash", "name": "Lavado", "order": 6}]})
    assert res.status_code == 202
    assert res.get_json()["created"] == ["phase-wash"] and res.get_json()["deactivated"] == []
    assert db_session.query(ServicePhase).filter_by(slug="phase-repair").one().name == "Taller"


def test_full_sync_deactivates_and_never_deletes(client, internal_headers, db_session):
    basic_setup()
    templates, cells = db_session.query(NotificationTemplate).count(), db_session.query(PhaseChannelConfig).count()
    res = client.post(URL, headers=internal_headers, json={"sync_mode": "full", "phases": [
        {"slug": "phase-schedule", "name": "Agendar", "order": 1}]})
    assert sorted(res.get_json()["deactivated"]) == ["phase-delivery", "phase-quality", "phase-reception", "phase-repair"]
    assert db_session.query(ServicePhase).count() == 5
    assert db_session.query(NotificationTemplate).count() == templates
    assert db_session.query(PhaseChannelConfig).count() == cells


def test_phase_sync_needs_the_internal_secret(client):
    assert client.post(URL, json={"phases": []}, headers={"X-Internal-Secret": "wrong"}).status_code == 401


def test_vehicle_phase_order(client, internal_headers, db_session):
    basic_setup()
    vehicle(customer("c-1"), "ABC123")
    db_session.commit()
    url = "/api/internal/v1/vehicles/ABC123/phases/sync/"
    res = client.post(url, headers=internal_headers, json={"phases": ["phase-schedule", "phase-delivery"]})
    assert res.status_code == 202 and res.get_json()["phase_order"] == ["phase-schedule", "phase-delivery"]
    bad = client.post(url, headers=internal_headers, json={"phases": ["phase-nope"]})
    assert bad.status_code == 400
    assert client.post("/api/internal/v1/vehicles/NOPE/phases/sync/", headers=internal_headers,
                       json={"phases": []}).status_code == 404


def test_the_reference_sync_answers_its_fields_and_a_task_id(client, internal_headers, db_session):
    basic_setup()
    res = client.post(URL, headers=internal_headers, json={"sync_mode": "partial", "sync_version": 2, "phases": [
        {"slug": "phase-wash", "name": "Lavado", "icon": "Droplets", "order": 6, "is_active": True}]})
    body = res.get_json()
    assert res.status_code == 202 and body["status"] == "accepted" and body["phases_count"] == 1
    task = client.get(f"/api/internal/v1/tasks/{body['task_id']}/status/", headers=internal_headers).get_json()
    assert task["status"] == "SUCCESS" and task["result"]["created"] == ["phase-wash"]


def test_vehicle_phases_in_the_reference_shape(client, internal_headers, db_session):
    basic_setup()
    vehicle(customer("c-1"), "ABC123")
    db_session.commit()
    url = "/api/internal/v1/vehicles/ABC123/phases/sync/"
    full = client.post(url, headers=internal_headers, json={"sync_mode": "full", "sync_version": 1, "phases": [
        {"phase_slug": "phase-delivery", "order": 3, "is_active": True},
        {"phase_slug": "phase-schedule", "order": 1, "is_active": True},
        {"phase_slug": "phase-repair", "order": 2, "is_active": False}]}).get_json()
    assert full["phase_order"] == ["phase-schedule", "phase-delivery"] and full["phases_count"] == 3
    partial = client.post(url, headers=internal_headers, json={"sync_mode": "partial", "phases": [
        {"phase_slug": "phase-reception", "order": 2, "is_active": True}]}).get_json()
    assert partial["phase_order"] == ["phase-schedule", "phase-reception", "phase-delivery"]
    gone = client.post(url, headers=internal_headers, json={"sync_mode": "partial", "phases": [
        {"phase_slug": "phase-schedule", "order": 1, "is_active": False}]}).get_json()
    assert gone["phase_order"] == ["phase-reception", "phase-delivery"]


def test_unknown_fields_in_a_phase_sync_are_refused(client, internal_headers, db_session):
    res = client.post(URL, headers=internal_headers, json={"phases": [{"slug": "a", "name": "A", "order": 1,
                                                                        "colour": "red"}]})
    assert res.status_code == 400 and "phases.0.colour" in res.get_json()["error"]["fields"]
