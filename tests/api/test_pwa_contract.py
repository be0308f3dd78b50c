"""The Ambacar PWA's 32 calls (client-contract-pwa.md §2), one test each (a few have more): the
PWA's exact method, path, query, headers and body after its preflight, its success rule, and every
field it reads with its type. Runs on SQLite locally and on PostgreSQL under CI."""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.catalog import seed_initial_data
from app.extensions import db
from app.models import MaintenanceReminder, Notification, NotificationTemplate, Vehicle
from tests.api.pwa import (
    CUSTOMER,
    CUSTOMER_ID,
    PREFERENCE,
    PREVIEW_ORIGIN,
    REMINDER,
    TEMPLATE,
    VEHICLE,
    Pwa,
    V,
    check_fields,
    core_token,
    is_bool,
    is_date,
    is_datetime,
    is_int,
    is_number,
    is_page,
    is_str,
    is_uuid,
    nullable,
    pwa_settings,
)
from tests.conftest import BASE_OVERRIDES

REGISTRATION = {
    "event_type": "custom", "service_type_id": None, "phase_id": None, "customer_id": CUSTOMER_ID,
    "target": "clients",
    "context": {"subject": "Bienvenido a Ambacar - {{nombre}}",
                "body": "Hola {{nombre}}, gracias por registrarte en el sistema Ambacar.", "nombre": "Carlos Mendoza"},
}
PHASE_EVENT = {
    "event_type": "vehicle_ready", "service_type_id": "mantenimiento-preventivo", "phase_id": "phase-delivery",
    "customer_id": CUSTOMER_ID, "target": "clients",
    "context": {"nombre": "Carlos Mendoza", "vehiculo": "Haval H6", "placa": "PBX1234", "orden": "OT-2026-0042",
                "tecnico": "Luis Pérez", "taller": "Ambacar Service"},
}


@pytest.fixture
def pwa(pwa_app):
    seed_initial_data()
    return Pwa(pwa_app.test_client(), BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"], token=core_token())


@pytest.fixture
def customer(pwa):
    """Customer 4711 as the registration page syncs it, with the vehicle the core syncs."""
    assert pwa.sync_customer().status_code == 202
    assert pwa.sync_vehicle(next_service_kilometers=20000).status_code == 202
    return CUSTOMER_ID


def _vehicle_id() -> str:
    return str(db.session.scalars(select(Vehicle.id).where(Vehicle.plate == "PBX1234")).one())


def _reminder(pwa, customer, **fields) -> dict:
    body = {"vehicle": _vehicle_id(), "customer_id": customer, "type": "both", "description": "Cambio de aceite",
            "target_kilometers": 20000, "target_date": "2027-03-01", "notify_via": ["email", "whatsapp"],
            "notify_before_days": 7, "notify_before_km": 500, **fields}
    res = pwa.call("POST", f"{V}/reminders/", body)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _template_id(channel: str = "email") -> str:
    return str(db.session.scalars(select(NotificationTemplate.id).where(
        NotificationTemplate.channel == channel, NotificationTemplate.target == "clients",
        NotificationTemplate.phase_id.is_not(None)).order_by(NotificationTemplate.name)).first())


def _config(pwa) -> dict:
    configs = pwa.call("GET", f"{V}/orchestration/?target=clients").get_json()["results"]
    return next(c for c in configs if c["service_type_name"] == "Mantenimiento Preventivo")


# 2.1 Internal sync -------------------------------------------------------------------------------
def test_01_sync_customer_is_accepted_and_applied_every_time(pwa):
    assert pwa.sync_customer().status_code == 202
    assert pwa.sync_customer(email="nuevo@example.com").status_code == 202  # sync_version is always 1
    assert pwa.call("GET", f"{V}/customers/{CUSTOMER_ID}/").get_json()["email"] == "nuevo@example.com"


def test_02_sync_vehicle_is_accepted_and_keeps_the_cores_id(pwa):
    pwa.sync_customer()
    assert pwa.sync_vehicle().status_code == 202
    [car] = pwa.call("GET", f"{V}/customers/{CUSTOMER_ID}/vehicles/").get_json()
    assert car["plate"] == "PBX1234" and car["vehicle_id"] == "321"


# 2.2 Dispatch ------------------------------------------------------------------------------------
@pytest.mark.parametrize("context", [
    REGISTRATION["context"],
    {"subject": "Inicio de Sesión Detectado - {{nombre}}", "body": "Hola {{nombre}}, inicio de sesión el "
     "{{Fecha}} a las {{Hora}}.", "nombre": "Carlos Mendoza", "Fecha": "07/12/2026", "Hora": "10:15"},
    {"subject": "Cita Confirmada - {{nombre}}", "body": "Su {{Vehículo}} ({{Placa}}) tiene cita en {{Taller}} "
     "el {{Fecha}} a las {{Hora}}.", "nombre": "Carlos Mendoza", "Placa": "PBX1234", "Vehiculo": "Haval H6",
     "Taller": "Ambacar Service", "Fecha": "2026-12-20", "Hora": "09:00"},
], ids=["registration", "login", "appointment"])
def test_03_custom_events_with_the_core_jwt_are_accepted_and_rendered(pwa, customer, context):
    res = pwa.dispatch({**REGISTRATION, "context": context}, jwt_token=True)
    body = res.get_json()
    assert res.status_code == 202
    assert is_bool(body["success"]) and is_str(body["correlation_id"]) and is_int(body["notifications_queued"])
    assert isinstance(body["errors"], list) and all(is_str(e) for e in body["errors"])
    rows = db.session.scalars(select(Notification).where(Notification.correlation_id == body["correlation_id"])).all()
    assert {r.channel for r in rows} == {"whatsapp", "email"}  # every usable channel, as the reference
    email = next(r for r in rows if r.channel == "email")
    assert email.subject.endswith("Carlos Mendoza") and "{{" not in email.body


def test_03_a_custom_event_before_the_customer_sync_is_accepted(pwa):
    res = pwa.dispatch(REGISTRATION, jwt_token=True)
    assert res.status_code == 202 and res.get_json()["success"] is True


def test_03_every_error_is_json_with_a_readable_detail(pwa):
    res = pwa.dispatch({**REGISTRATION, "target": "everyone"}, jwt_token=True)
    body = res.get_json()
    assert res.status_code == 400 and is_str(body["detail"]) and "target" in body["detail"]


@pytest.mark.parametrize(("event_type", "phase"), [
    ("vehicle_received", "phase-reception"), ("repair_started", "phase-repair"),
    ("quality_check", "phase-quality"), ("vehicle_ready", "phase-delivery")])
@pytest.mark.parametrize("service_type", ["mantenimiento-preventivo", "averia-revision"])
def test_04_phase_events_without_credentials_queue_a_message(pwa, customer, event_type, phase, service_type):
    context = {k: v for k, v in PHASE_EVENT["context"].items() if k not in ("orden", "tecnico")}
    res = pwa.dispatch({**PHASE_EVENT, "event_type": event_type, "phase_id": phase, "service_type_id": service_type,
                        "context": context})
    assert res.status_code == 202, res.get_json()
    assert is_int(res.get_json()["notifications_queued"]) and res.get_json()["notifications_queued"] >= 1


def test_04_a_phase_event_error_is_a_readable_string_under_error(pwa, customer):
    res = pwa.dispatch({**PHASE_EVENT, "service_type_id": "no-such-type"})
    body = res.get_json()
    assert res.status_code == 400 and is_str(body["error"]) and "service_type_id" in body["error"]
    assert body["code"] == "validation_error" and "service_type_id" in body["fields"]


def test_04_a_phase_with_no_enabled_channel_is_202_with_zero_queued(pwa, customer):
    res = pwa.dispatch({**PHASE_EVENT, "event_type": "quality_check", "phase_id": "phase-quality",
                        "service_type_id": "avaluo-comercial"})
    assert res.status_code == 202 and res.get_json()["notifications_queued"] == 0


# 2.3 Templates -----------------------------------------------------------------------------------
def test_05_templates_page_of_twenty(pwa):
    body = pwa.call("GET", f"{V}/templates/?target=clients&page=2").get_json()
    assert is_page(body) and body["count"] > 40 and len(body["results"]) == 20
    for item in body["results"]:
        check_fields(item, TEMPLATE, item["name"])
        assert item["target"] == "clients"
    assert math.ceil(body["count"] / 20) >= 3


@pytest.mark.parametrize("with_jwt", [False, True], ids=["detail-dialog", "matrix-preview"])
def test_06_template_by_id(pwa, with_jwt):
    template_id = _template_id()
    body = pwa.call("GET", f"{V}/templates/{template_id}/", jwt_token=with_jwt).get_json()
    check_fields(body, TEMPLATE)
    assert body["id"] == template_id and is_uuid(body["service_type_id"]) and is_uuid(body["phase_id"])


def test_07_templates_for_context_by_uuid_and_empty_list(pwa):
    config = _config(pwa)
    cell = config["phase_configs"][0]
    query = f"service_type_id={config['service_type']}&phase_id={cell['phase']}&channel=email&target=clients"
    found = pwa.call("GET", f"{V}/templates/for_context/?{query}", jwt_token=True).get_json()
    assert isinstance(found, list) and found
    for item in found:
        check_fields(item, TEMPLATE)
        assert item["is_active"] and item["channel"] == "email" and item["subtype_id"] is None
    none = pwa.call("GET", f"{V}/templates/for_context/?{query.replace('clients', 'staff')}&subtype_id="
                           f"{uuid.uuid4()}", jwt_token=True)
    assert none.status_code == 200 and none.get_json() == []


def test_08_variables(pwa):
    body = pwa.call("GET", f"{V}/templates/variables/", jwt_token=True).get_json()
    assert isinstance(body, list) and body
    for item in body:
        check_fields(item, {"id": is_str, "label": is_str, "description": is_str, "example": is_str})


def _write_body(pwa, **overrides) -> dict:
    config = _config(pwa)
    return {"name": "Recepción - Email", "subject": "Recibimos tu {{Vehículo}}",
            "body": "Hola {{Nombre}}, tu vehículo {{Placa}} está en {{Taller}}.", "channel": "email",
            "target": "clients", "is_default": True, "is_active": True, "taller_id": None,
            "service_type": config["service_type"], "phase": config["phase_configs"][3]["phase"], "subtype": None,
            **overrides}


def test_09_update_template_stores_every_field_and_answers_the_full_object(pwa):
    template_id = _template_id()
    sent = _write_body(pwa)
    res = pwa.call("PUT", f"{V}/templates/{template_id}/", sent, jwt_token=True)
    body = res.get_json()
    assert res.status_code == 200, body
    check_fields(body, TEMPLATE)
    for name in ("name", "subject", "body", "channel", "target", "is_default", "is_active", "taller_id"):
        assert body[name] == sent[name], name
    assert (body["service_type_id"], body["phase_id"], body["subtype_id"]) == (sent["service_type"], sent["phase"], None)
    again = pwa.call("GET", f"{V}/templates/{template_id}/").get_json()
    assert again["is_default"] is True and again["name"] == "Recepción - Email"


def test_10_patch_template(pwa):
    template_id = _template_id()
    body = pwa.call("PATCH", f"{V}/templates/{template_id}/", {"is_default": True, "name": "Renombrada"},
                    jwt_token=True).get_json()
    check_fields(body, TEMPLATE)
    assert body["is_default"] is True and body["name"] == "Renombrada" and body["id"] == template_id


def test_11_create_template(pwa):
    res = pwa.call("POST", f"{V}/templates/", _write_body(pwa, name="Nueva plantilla"), jwt_token=True)
    assert res.status_code == 201
    check_fields(res.get_json(), TEMPLATE)


def test_12_delete_template_is_exactly_204(pwa):
    created = pwa.call("POST", f"{V}/templates/", _write_body(pwa, name="Borrar"), jwt_token=True).get_json()
    res = pwa.call("DELETE", f"{V}/templates/{created['id']}/", jwt_token=True, content_type=False)
    assert res.status_code == 204


# 2.4 Catalogue -----------------------------------------------------------------------------------
def test_13_service_types_page_with_subtypes(pwa):
    body = pwa.call("GET", f"{V}/service-types/", jwt_token=True).get_json()
    assert is_page(body) and body["results"]
    spec = {"id": is_uuid, "slug": is_str, "name": is_str, "icon": is_str, "is_active": is_bool, "description": is_str}
    for item in body["results"]:
        check_fields(item, {**spec, "subtypes": lambda v: isinstance(v, list)})
        assert item["parent"] is None
        for sub in item["subtypes"]:
            check_fields(sub, {**spec, "parent": is_uuid})
            assert sub["parent"] == item["id"]
    assert any(item["subtypes"] for item in body["results"])


def test_14_phases(pwa):
    body = pwa.call("GET", f"{V}/phases/", jwt_token=True).get_json()
    items = body["results"] if isinstance(body, dict) else body
    assert [p["order"] for p in items] == sorted(p["order"] for p in items) and len(items) == 5
    for item in items:
        check_fields(item, {"id": is_uuid, "name": is_str, "slug": is_str, "order": is_int})


# 2.5 Orchestration -------------------------------------------------------------------------------
def test_15_matrix_on_page_one_in_phase_order_with_three_channels(pwa):
    body = pwa.call("GET", f"{V}/orchestration/?target=clients").get_json()
    assert is_page(body) and body["count"] <= 20 and len(body["results"]) == body["count"]
    for config in body["results"]:
        check_fields(config, {"id": is_uuid, "service_type": is_uuid, "service_type_name": is_str,
                              "target": lambda v: v == "clients", "taller_id": nullable(is_str),
                              "is_active": is_bool, "description": is_str, "created_at": is_datetime,
                              "updated_at": is_datetime})
        phases: list[str] = []
        for cell in config["phase_configs"]:
            check_fields(cell, {"id": is_uuid, "phase": is_uuid, "phase_name": is_str, "channel": is_str,
                                "enabled": is_bool, "template": nullable(is_uuid), "template_name": nullable(is_str)})
            if not phases or phases[-1] != cell["phase"]:
                assert cell["phase"] not in phases, "a phase's cells must be together"
                phases.append(cell["phase"])
        assert len(phases) == 5 and len(config["phase_configs"]) == 15


def test_16_update_matrix_answers_the_config(pwa):
    config = _config(pwa)
    first_phase = config["phase_configs"][0]["phase"]
    query = f"service_type_id={config['service_type']}&phase_id={first_phase}&channel=email&target=clients"
    template_id = pwa.call("GET", f"{V}/templates/for_context/?{query}", jwt_token=True).get_json()[0]["id"]
    cells = [{"phase_id": c["phase"], "channel": c["channel"], "enabled": c["channel"] != "push",
              "template_id": template_id if (c["channel"], c["phase"]) == ("email", first_phase) else None} for c in config["phase_configs"]]
    res = pwa.call("POST", f"{V}/orchestration/{config['id']}/update_matrix/", {"configs": cells}, jwt_token=True)
    body = res.get_json()
    assert res.status_code == 200 and body["id"] == config["id"], body
    assert all(not c["enabled"] for c in body["phase_configs"] if c["channel"] == "push")
    assert template_id in {c["template"] for c in body["phase_configs"]}


# 2.6 Customer notification centre ----------------------------------------------------------------
def test_17_customer(pwa, customer):
    body = pwa.call("GET", f"{V}/customers/{customer}/").get_json()
    check_fields(body, CUSTOMER)
    assert body["full_name"] == "Carlos Mendoza"
    for pref in body["channel_preferences"]:
        check_fields(pref, PREFERENCE)


def test_17_an_unknown_customer_is_404_with_a_detail(pwa):
    res = pwa.call("GET", f"{V}/customers/9999/")
    assert res.status_code == 404 and is_str(res.get_json()["detail"])


def test_18_update_contact_data(pwa, customer):
    res = pwa.call("PATCH", f"{V}/customers/{customer}/", {"email": "c@example.com", "phone": "0998765432"})
    body = res.get_json()
    assert res.status_code == 200
    check_fields(body, CUSTOMER)
    assert (body["email"], body["phone"]) == ("c@example.com", "0998765432")


def test_19_vehicles_with_display_name_and_remaining_km(pwa, customer):
    [car] = pwa.call("GET", f"{V}/customers/{customer}/vehicles/").get_json()
    check_fields(car, VEHICLE)
    assert car["display_name"] == "Haval H6 2024" and car["remaining_km"] == 5000


def test_20_reminders_and_the_overdue_filter(pwa, customer):
    _reminder(pwa, customer)
    late = _reminder(pwa, customer, type="date", target_date=(date.today() - timedelta(days=3)).isoformat(),
                     target_kilometers=None)
    db.session.get(MaintenanceReminder, uuid.UUID(late["id"])).status = "overdue"
    db.session.commit()
    every = pwa.call("GET", f"{V}/customers/{customer}/reminders/").get_json()
    assert len(every) == 2
    for item in every:
        check_fields(item, REMINDER)
    overdue = pwa.call("GET", f"{V}/customers/{customer}/reminders/?status=overdue").get_json()
    assert [r["id"] for r in overdue] == [late["id"]]


def test_21_preferences_by_priority(pwa, customer):
    body = pwa.call("GET", f"{V}/customers/{customer}/preferences/").get_json()
    assert isinstance(body, list) and [p["priority"] for p in body] == sorted(p["priority"] for p in body)
    for pref in body:
        check_fields(pref, PREFERENCE)


def test_22_update_preferences_with_channels(pwa, customer):
    channels = [{"channel": "whatsapp", "enabled": True, "priority": 1}, {"channel": "push", "enabled": False, "priority": 2},
                {"channel": "email", "enabled": True, "priority": 3}]
    res = pwa.call("POST", f"{V}/customers/{customer}/update_preferences/", {"channels": channels})
    body = res.get_json()
    assert res.status_code == 200
    assert [(p["channel"], p["enabled"], p["priority"]) for p in body] == [
        ("whatsapp", True, 1), ("push", False, 2), ("email", True, 3)]


# 2.7 Reminders -----------------------------------------------------------------------------------
def test_23_create_reminder_stores_the_reference_fields(pwa, customer):
    body = _reminder(pwa, customer)
    check_fields(body, REMINDER)
    assert (body["type"], body["target_kilometers"], body["target_date"], body["notify_via"]) == (
        "both", 20000, "2027-03-01", ["email", "whatsapp"])
    assert body["vehicle_display"] == "Haval H6 2024" and body["customer_id"] == customer


@pytest.mark.parametrize(("kind", "fields"), [("kilometers", {"target_date": None}), ("date", {"target_kilometers": None})])
def test_23_reminder_types(pwa, customer, kind, fields):
    body = _reminder(pwa, customer, type=kind, **fields)
    assert body["type"] == kind and body["type_display"] in ("Kilómetros", "Fecha")


def test_24_update_reminder_changes_every_sent_field(pwa, customer):
    created = _reminder(pwa, customer)
    sent = {"target_kilometers": 25000, "notify_via": ["email"], "type": "kilometers", "description": "Frenos",
            "target_date": "2027-04-01", "notify_before_days": 3, "notify_before_km": 800}
    body = pwa.call("PATCH", f"{V}/reminders/{created['id']}/", sent).get_json()
    check_fields(body, REMINDER)
    assert {k: body[k] for k in sent} == sent


def test_25_complete_reminder(pwa, customer):
    created = _reminder(pwa, customer)
    body = pwa.call("POST", f"{V}/reminders/{created['id']}/complete/", {}).get_json()
    assert body["status"] == "completed"
    check_fields(body, REMINDER)


def test_26_delete_reminder(pwa, customer):
    created = _reminder(pwa, customer)
    res = pwa.call("DELETE", f"{V}/reminders/{created['id']}/")
    assert res.status_code == 204
    assert pwa.call("GET", f"{V}/customers/{customer}/reminders/").get_json() == []


# 2.8 Web Push ------------------------------------------------------------------------------------
SUBSCRIPTION = {"endpoint": "https://fcm.googleapis.com/fcm/send/x1", "expirationTime": None,
                "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                         "auth": "tBHItJI5svbpez7KI4CCXg"}}


def test_27_subscribe_is_201_then_200_and_moves_to_another_customer(pwa, customer):
    body = {"customer_id": customer, "subscription": SUBSCRIPTION, "user_agent": "Mozilla/5.0 (X11; Linux x86_64)"}
    first = pwa.call("POST", f"{V}/push/subscribe/", body)
    assert first.status_code == 201
    check_fields(first.get_json(), {"id": is_str, "customer_id": is_str, "is_active": is_bool,
                                    "last_used_at": nullable(is_datetime), "failure_count": is_int,
                                    "created_at": is_datetime})
    pwa.sync_customer("4712", email="otra@example.com")
    again = pwa.call("POST", f"{V}/push/subscribe/", {**body, "customer_id": "4712"})
    assert again.status_code == 200 and again.get_json()["customer_id"] == "4712"
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["failure_count"] == 0


def test_28_unsubscribe_then_404(pwa, customer):
    pwa.call("POST", f"{V}/push/subscribe/", {"customer_id": customer, "subscription": SUBSCRIPTION})
    res = pwa.call("DELETE", f"{V}/push/subscribe/", {"endpoint": SUBSCRIPTION["endpoint"]})
    assert res.status_code == 204
    again = pwa.call("DELETE", f"{V}/push/subscribe/", {"endpoint": SUBSCRIPTION["endpoint"]})
    assert again.status_code == 404


def test_29_push_status(pwa, customer):
    assert pwa.call("GET", f"{V}/push/status/{customer}/").get_json() == {"has_subscription": False,
                                                                         "subscription_count": 0}
    pwa.call("POST", f"{V}/push/subscribe/", {"customer_id": customer, "subscription": SUBSCRIPTION})
    body = pwa.call("GET", f"{V}/push/status/{customer}/").get_json()
    assert body == {"has_subscription": True, "subscription_count": 1}


# 2.9 Analytics (also on an empty database) -------------------------------------------------------
SUMMARY = {
    "period_start": is_datetime, "period_end": is_datetime, "total_sent": is_int, "total_delivered": is_int,
    "total_failed": is_int, "total_pending": is_int, "delivery_rate": is_number,
    "avg_delivery_time_seconds": nullable(is_number),
    "by_channel": lambda v: isinstance(v, dict) and all(is_int(n) for n in v.values()),
    "by_status": lambda v: isinstance(v, dict) and all(is_int(n) for n in v.values()),
    "by_event_type": lambda v: isinstance(v, dict) and all(is_int(n) for n in v.values()),
    "daily_breakdown": lambda v: isinstance(v, list),
}
RECENT = {"id": is_str, "event_type": is_str, "channel": is_str, "recipient_id": is_str,
          "status": lambda v: v in ("pending", "queued", "sent", "delivered", "read", "bounced", "failed"),
          "sent_at": nullable(is_datetime), "created_at": is_datetime, "template_name": nullable(is_str),
          "error_reason": nullable(is_str), "inferred_status": is_str}
HEALTH = {"total": is_int, "success": is_int, "failed": is_int, "success_rate": is_number, "is_healthy": is_bool}


@pytest.mark.parametrize("days", [1, 7, 30, 90])
def test_30_summary_on_an_empty_database(pwa, days):
    body = pwa.call("GET", f"/api/v1/analytics/summary/?days={days}").get_json()
    check_fields(body, SUMMARY)
    assert body["delivery_rate"] == 0


def test_30_summary_with_traffic(pwa, customer):
    pwa.dispatch(PHASE_EVENT)
    body = pwa.call("GET", "/api/v1/analytics/summary/?days=7").get_json()
    check_fields(body, SUMMARY)
    assert body["total_sent"] + body["total_failed"] + body["total_pending"] >= 1
    for day in body["daily_breakdown"]:
        check_fields(day, {"date": is_date, "total": is_int, "sent": is_int, "delivered": is_int, "failed": is_int})


def test_31_recent_rows_and_filters(pwa, customer):
    assert pwa.call("GET", "/api/v1/analytics/recent/?limit=20").get_json() == []
    pwa.dispatch(PHASE_EVENT)
    rows = pwa.call("GET", "/api/v1/analytics/recent/?limit=20").get_json()
    assert rows
    for row in rows:
        check_fields(row, RECENT)
        assert row["recipient_id"] == customer
    failed = pwa.call("GET", "/api/v1/analytics/recent/?limit=20&channel=email&status=failed").get_json()
    assert all(r["channel"] == "email" and r["status"] == "failed" for r in failed)


def test_32_health_keys_on_an_empty_database(pwa):
    body = pwa.call("GET", "/api/v1/analytics/health/").get_json()
    assert set(body) >= {"email", "whatsapp", "push"}
    for channel in ("email", "whatsapp", "push"):
        check_fields(body[channel], HEALTH, channel)
        assert body[channel]["total"] == 0 and body[channel]["is_healthy"] is True


def test_a_preview_deployment_origin_matching_the_regex_is_served(pwa):
    pwa.origin = PREVIEW_ORIGIN
    assert pwa.call("GET", "/api/v1/analytics/health/").status_code == 200
