from app.models import NotificationTemplate, PhaseChannelConfig, ServicePhase
from tests.factories import basic_setup, customer, vehicle

URL = "/api/internal/v1/phases/sync/"


def test_partial_sync_upserts_by_slug(client, internal_headers, db_session):
    basic_setup()
    res = client.post(URL, headers=internal_headers, json={"sync_mode": "partial", "phases": [
        {"slug": "phase-repair", "name": "Taller", "order": 3}, {"slug": "phase-wash", "name": "Lavado", "order": 6}]})
    assert res.status_code == 200
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
    assert res.get_json() == {"plate": "ABC123", "phase_order": ["phase-schedule", "phase-delivery"]}
    bad = client.post(url, headers=internal_headers, json={"phases": ["phase-nope"]})
    assert bad.status_code == 400
    assert client.post("/api/internal/v1/vehicles/NOPE/phases/sync/", headers=internal_headers,
                       json={"phases": []}).status_code == 404
