"""POST /api/v1/notifications/events/dispatch/ — acceptance, validation, idempotency."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DispatchEvent, Notification
from tests import factories as f

URL = "/api/v1/notifications/events/dispatch/"


@pytest.fixture
def setup(app):
    setup = f.basic_setup()
    f.customer()
    db.session.commit()
    return setup


def post(client, headers, payload, **extra_headers):
    return client.post(URL, json=payload, headers={**headers, **extra_headers})


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_accepted_event_answers_202_with_one_notification_per_enabled_channel(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload())
    assert res.status_code == 202
    body = res.get_json()
    assert body["success"] is True and body["notifications_queued"] == 2
    assert sorted(n["channel"] for n in body["notifications"]) == ["email", "whatsapp"]
    assert body["errors"] == ["push: no active push subscription"]


def test_rows_are_committed_before_the_answer(client, api_headers, setup):
    body = post(client, api_headers, f.dispatch_payload()).get_json()
    db.session.remove()
    ids = {str(i) for i in db.session.scalars(select(Notification.id))}
    assert {n["id"] for n in body["notifications"]} == ids


def test_recipient_is_the_normalised_number_and_email(client, api_headers, setup):
    body = post(client, api_headers, f.dispatch_payload()).get_json()
    recipients = {n["channel"]: n["recipient"] for n in body["notifications"]}
    assert recipients == {"whatsapp": "593991234567", "email": "carlos@example.com"}


def test_rendered_body_uses_context_and_avisos_fills_fase_and_taller(client, api_headers, setup):
    post(client, api_headers, f.dispatch_payload())
    email = db.session.execute(select(Notification).where(Notification.channel == "email")).scalar_one()
    assert email.body == "Hola Carlos Mendoza, su Haval H6 2024 (ABC123) está en la fase Agendar Cita en Taller Central."
    assert "<p>Hola Carlos Mendoza" in email.html_body


def test_correlation_id_is_kept_when_given(client, api_headers, setup):
    body = post(client, api_headers, f.dispatch_payload(correlation_id="ot-77")).get_json()
    assert body["correlation_id"] == "ot-77"


def test_without_api_key_401(client, setup):
    res = client.post(URL, json=f.dispatch_payload())
    assert res.status_code == 401 and res.get_json()["code"] == "not_authenticated"


def test_wrong_api_key_401(client, setup):
    res = client.post(URL, json=f.dispatch_payload(), headers={"X-API-Key": "avk_wrong"})
    assert res.status_code == 401


def test_x_api_key_header_is_accepted(client, api_key, setup):
    assert client.post(URL, json=f.dispatch_payload(), headers={"X-API-Key": api_key}).status_code == 202


def test_key_without_dispatch_scope_is_refused(client, app, setup):
    from app.api.auth import generate_api_key

    _, raw = generate_api_key("reader", scopes="read")
    db.session.commit()
    res = client.post(URL, json=f.dispatch_payload(), headers={"Authorization": f"ApiKey {raw}"})
    assert res.status_code == 403


def test_malformed_json_400(client, api_headers, setup):
    res = client.post(URL, data="{not json", headers={**api_headers, "Content-Type": "application/json"})
    assert res.status_code == 400 and res.get_json()["code"] == "malformed_json"
    assert count(DispatchEvent) == 0


def test_body_that_is_not_an_object_400(client, api_headers, setup):
    res = client.post(URL, json=[1, 2], headers=api_headers)
    assert res.status_code == 400 and "body" in res.get_json()["fields"]


def test_wrong_types_are_each_named(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(customer_id=42, context="x", event_type=None))
    fields = res.get_json()["fields"]
    assert res.status_code == 400
    assert {"customer_id", "context", "event_type"} <= set(fields)


def test_missing_required_fields_400(client, api_headers, setup):
    res = post(client, api_headers, {"target": "clients"})
    assert res.status_code == 400
    assert {"event_type", "service_type_id", "customer_id"} <= set(res.get_json()["fields"])


def test_unknown_service_type_phase_and_subtype_are_all_reported(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(service_type_id="nope", phase_id="phase-x", subtype_id="sub-x"))
    assert res.status_code == 400
    assert {"service_type_id", "phase_id", "subtype_id"} <= set(res.get_json()["fields"])
    assert count(Notification) == 0


def test_subtype_of_another_type_400(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(subtype_id="averia-frenos"))
    assert res.status_code == 400 and "subtype_id" in res.get_json()["fields"]


def test_unknown_target_400(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(target="everyone"))
    assert res.status_code == 400 and "target" in res.get_json()["fields"]


def test_unknown_workshop_400(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(taller_id="no-such-shop"))
    assert res.status_code == 400 and "taller_id" in res.get_json()["fields"]


def test_missing_template_variables_are_all_listed_and_nothing_stored(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(context={"nombre": "Ana"}))
    body = res.get_json()
    assert res.status_code == 400 and body["code"] == "missing_variables"
    assert body["fields"]["missing_variables"] == ["Placa", "Vehículo"]
    assert count(DispatchEvent) == 0 and count(Notification) == 0


def test_nested_context_values_400(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(context={"nombre": {"first": "Ana"}}))
    assert res.status_code == 400 and "context" in res.get_json()["fields"]


def test_event_resolving_to_no_channel_is_202_with_reason(client, api_headers, setup):
    f.customer("customer-002", email="", phone="")
    db.session.commit()
    res = post(client, api_headers, f.dispatch_payload(customer_id="customer-002"))
    body = res.get_json()
    assert res.status_code == 202 and body["notifications_queued"] == 0 and body["errors"]


def test_unknown_customer_is_stored_and_answered_waiting(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(customer_id="not-synced-yet"))
    body = res.get_json()
    assert res.status_code == 202 and body["status"] == "waiting_for_customer"
    row = db.session.execute(select(Notification)).scalar_one()
    assert row.status == "waiting_for_customer" and str(row.id) == body["notifications"][0]["id"]


def test_idempotent_repeat_returns_first_answer_and_queues_nothing(client, api_headers, setup):
    first = post(client, api_headers, f.dispatch_payload(), **{"Idempotency-Key": "k-1"})
    again = post(client, api_headers, f.dispatch_payload(), **{"Idempotency-Key": "k-1"})
    assert again.status_code == 202 and again.get_json() == first.get_json()
    assert count(Notification) == 2 and count(DispatchEvent) == 1


def test_same_idempotency_key_with_other_body_422(client, api_headers, setup):
    post(client, api_headers, f.dispatch_payload(), **{"Idempotency-Key": "k-2"})
    res = post(client, api_headers, f.dispatch_payload(correlation_id="other"), **{"Idempotency-Key": "k-2"})
    assert res.status_code == 422 and res.get_json()["code"] == "idempotency_key_reused"


def test_custom_event_takes_subject_and_body_from_context(client, api_headers, setup):
    payload = f.dispatch_payload(event_type="custom", context={"subject": "Aviso", "body": "Hola {{nombre}}", "nombre": "Ana"})
    res = post(client, api_headers, payload)
    assert res.status_code == 202
    bodies = {n.body for n in db.session.scalars(select(Notification))}
    assert bodies == {"Hola Ana"}


def test_custom_event_without_body_400(client, api_headers, setup):
    res = post(client, api_headers, f.dispatch_payload(event_type="custom", context={"subject": "x"}))
    assert res.status_code == 400 and "context.body" in res.get_json()["fields"]


def test_event_status_lists_every_notification(client, api_headers, setup):
    body = post(client, api_headers, f.dispatch_payload(correlation_id="ot-9")).get_json()
    res = client.get("/api/v1/notifications/events/ot-9/", headers=api_headers)
    data = res.get_json()
    assert res.status_code == 200
    assert {n["id"] for n in data["notifications"]} == {n["id"] for n in body["notifications"]}
    assert all({"status", "attempts", "last_error"} <= set(n) for n in data["notifications"])


def test_event_status_unknown_404_json(client, api_headers, setup):
    res = client.get("/api/v1/notifications/events/nope/", headers=api_headers)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
