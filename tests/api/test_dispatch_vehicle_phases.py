"""Dispatch honours a vehicle's own phase order (set through the internal vehicle phases sync)."""

import pytest

from app.extensions import db
from tests import factories as f

DISPATCH = "/api/v1/notifications/events/dispatch/"


@pytest.fixture
def setup(app):
    result = f.basic_setup()
    owner = f.customer(email="carlos@example.com", whatsapp="0991234567")
    f.vehicle(owner, "ABC123", phase_order=["phase-schedule", "phase-repair", "phase-delivery"])
    db.session.commit()
    return result


def test_phase_outside_the_vehicles_order_is_accepted_without_messages(client, api_headers, setup):
    response = client.post(DISPATCH, json=f.dispatch_payload(phase_id="phase-quality"), headers=api_headers)
    body = response.get_json()
    assert response.status_code == 202
    assert body["notifications_queued"] == 0
    assert "phase-quality" in body["errors"][0] and "ABC123" in body["errors"][0]


def test_phase_in_the_vehicles_order_is_sent(client, api_headers, setup):
    response = client.post(DISPATCH, json=f.dispatch_payload(phase_id="phase-repair"), headers=api_headers)
    assert response.get_json()["notifications_queued"] == 2


def test_plate_is_matched_however_the_context_writes_it(client, api_headers, setup):
    payload = f.dispatch_payload(phase_id="phase-quality")
    payload["context"]["placa"] = "abc-123"
    response = client.post(DISPATCH, json=payload, headers=api_headers)
    assert response.get_json()["notifications_queued"] == 0


def test_vehicle_without_its_own_order_follows_the_matrix(client, api_headers, setup):
    payload = f.dispatch_payload(phase_id="phase-quality")
    payload["context"]["placa"] = "XYZ999"
    response = client.post(DISPATCH, json=payload, headers=api_headers)
    assert response.get_json()["notifications_queued"] == 2
