"""Recordatorios: filters, form, marcar completado (bulk too), cancelar, notificar ahora; roles and CSRF."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.models import MaintenanceReminder, Notification
from tests import factories


@pytest.fixture
def reminders(app):
    carlos = factories.customer()
    ana = factories.customer("customer-002", first_name="Ana", last_name="Torres", email="ana@example.com")
    car, kia = factories.vehicle(carlos, plate="ABC123"), factories.vehicle(ana, plate="PQR456")
    rows = {
        "oil": MaintenanceReminder(vehicle_id=car.id, customer_id=carlos.id, title="Cambio de aceite",
                                   due_date=date(2030, 1, 10)),
        "brakes": MaintenanceReminder(vehicle_id=kia.id, customer_id=ana.id, title="Frenos", due_date=date(2030, 2, 1),
                                      status="notified"),
        "done": MaintenanceReminder(vehicle_id=kia.id, customer_id=ana.id, title="Alineación", status="completed",
                                    due_date=date(2029, 1, 1)),
    }  # fmt: skip
    db.session.add_all(rows.values())
    db.session.commit()
    return {"carlos": carlos, "ana": ana, "car": car, "kia": kia, **rows}


def status_of(row) -> str:
    db.session.expire_all()
    return db.session.get(MaintenanceReminder, row.id).status


def test_anonymous_is_sent_to_login(console, reminders):
    response = console.get("/admin/reminder/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_reads_the_list(signed_in, reminders, role):
    html = signed_in(role).get("/admin/reminder/").get_data(as_text=True)
    assert "Cambio de aceite" in html and "Frenos" in html


def test_filter_by_status(signed_in, reminders):
    html = signed_in("viewer").get("/admin/reminder/?flt0_0=notified").get_data(as_text=True)
    assert "Frenos" in html and "Cambio de aceite" not in html


def test_filter_by_customer_and_by_vehicle(signed_in, reminders):
    client = signed_in("viewer")
    by_customer = client.get(f"/admin/reminder/?customer={reminders['carlos'].id}").get_data(as_text=True)
    assert "Cambio de aceite" in by_customer and "Frenos" not in by_customer
    by_plate = client.get("/admin/reminder/?flt0_2=PQR").get_data(as_text=True)
    assert "Frenos" in by_plate and "Cambio de aceite" not in by_plate


def test_viewer_sees_no_action_buttons(signed_in, reminders):
    html = signed_in("viewer").get("/admin/reminder/").get_data(as_text=True)
    assert "b-row-complete" not in html


def test_operator_sees_row_buttons_for_open_reminders_only(signed_in, reminders):
    html = signed_in("operator").get("/admin/reminder/").get_data(as_text=True)
    assert html.count("b-row-complete") == 2


def row_action(client, reminder, operation):
    return client.post("/admin/reminder/row-action/", data={"id": str(reminder.id), "operation": operation})


def test_operator_marks_one_completed(signed_in, reminders):
    assert row_action(signed_in("operator"), reminders["oil"], "complete").status_code == 302
    assert status_of(reminders["oil"]) == "completed"


def test_operator_cancels_one(signed_in, reminders):
    row_action(signed_in("operator"), reminders["brakes"], "cancel")
    assert status_of(reminders["brakes"]) == "cancelled"


def test_bulk_mark_completed(signed_in, reminders):
    ids = [str(reminders["oil"].id), str(reminders["brakes"].id)]
    response = signed_in("operator").post("/admin/reminder/action/", data={"action": "complete", "rowid": ids})
    assert response.status_code == 302
    assert (status_of(reminders["oil"]), status_of(reminders["brakes"])) == ("completed", "completed")


def test_bulk_cancel_leaves_completed_ones(signed_in, reminders):
    ids = [str(reminders["oil"].id), str(reminders["done"].id)]
    signed_in("operator").post("/admin/reminder/action/", data={"action": "cancel", "rowid": ids})
    assert (status_of(reminders["oil"]), status_of(reminders["done"])) == ("cancelled", "completed")


def test_notify_now_queues_a_message(signed_in, reminders):
    setup = factories.basic_setup()
    factories.template("email", setup.types["mantenimiento-preventivo"], None, "Hola {{Nombre}}, toca {{Servicio}}",
                       event_type="maintenance_reminder", subject="Recordatorio")  # fmt: skip
    db.session.commit()
    client = signed_in("operator")
    response = row_action(client, reminders["oil"], "notify")
    assert "Aviso enviado a la cola" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert status_of(reminders["oil"]) == "notified"
    assert db.session.query(Notification).filter_by(customer_id=reminders["carlos"].id).count() == 1


def test_notify_now_without_a_template_says_so(signed_in, reminders):
    factories.basic_setup()
    client = signed_in("operator")
    response = row_action(client, reminders["oil"], "notify")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No se envió: el cliente no tiene un canal utilizable o no hay plantilla." in html
    assert status_of(reminders["oil"]) == "pending"


def test_notify_now_refuses_a_closed_reminder(signed_in, reminders):
    client = signed_in("operator")
    response = row_action(client, reminders["done"], "notify")
    assert "El recordatorio está cerrado" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("operation", ["complete", "cancel", "notify"])
def test_viewer_cannot_run_row_actions(signed_in, reminders, operation):
    assert row_action(signed_in("viewer"), reminders["oil"], operation).status_code == 403
    assert status_of(reminders["oil"]) == "pending"


def test_viewer_cannot_run_bulk_actions(signed_in, reminders):
    signed_in("viewer").post(
        "/admin/reminder/action/", data={"action": "complete", "rowid": [str(reminders["oil"].id)]}
    )
    assert status_of(reminders["oil"]) == "pending"


def test_row_action_without_csrf_is_refused(signed_in, reminders):
    client = signed_in("operator")
    response = client.client.post("/admin/reminder/row-action/", data={"id": str(reminders["oil"].id),
                                                                       "operation": "complete"})  # fmt: skip
    assert response.status_code == 400 and status_of(reminders["oil"]) == "pending"


def reminder_form(vehicle, **overrides) -> dict:
    data = {"vehicle": str(vehicle.id), "title": "Rotación de llantas", "description": "", "service_type": "__None",
            "due_date": "2030-05-01", "due_kilometers": "", "notify_before_days": "7", "notify_before_km": "500",
            "status": "pending"}  # fmt: skip
    data.update(overrides)
    return data


def test_operator_creates_a_reminder_owned_by_the_vehicles_customer(signed_in, reminders):
    response = signed_in("operator").post("/admin/reminder/new/", data=reminder_form(reminders["kia"]))
    assert response.status_code == 302
    row = db.session.query(MaintenanceReminder).filter_by(title="Rotación de llantas").one()
    assert row.customer_id == reminders["ana"].id


def test_reminder_without_due_date_or_km_shows_the_error(signed_in, reminders):
    data = reminder_form(reminders["kia"], due_date="")
    html = signed_in("operator").post("/admin/reminder/new/", data=data).get_data(as_text=True)
    assert "Indique una fecha límite, un kilometraje límite o ambos." in html


def test_reminder_with_bad_notice_days_shows_the_error(signed_in, reminders):
    data = reminder_form(reminders["kia"], notify_before_days="900")
    html = signed_in("operator").post("/admin/reminder/new/", data=data).get_data(as_text=True)
    assert "Entre 0 y 365 días." in html


def test_row_action_with_a_bad_id_or_operation_says_so(signed_in, reminders):
    client = signed_in("operator")
    response = client.post("/admin/reminder/row-action/", data={"id": "nope", "operation": "complete"})
    assert "El recordatorio no existe." in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post("/admin/reminder/row-action/", data={"id": str(reminders["oil"].id), "operation": "x"})
    assert "Acción desconocida." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_row_action_never_redirects_off_site(signed_in, reminders):
    data = {"id": str(reminders["oil"].id), "operation": "complete", "url": "//evil.test/x"}
    response = signed_in("operator").post("/admin/reminder/row-action/", data=data)
    assert response.headers["Location"].startswith("/admin/reminder/")


def test_the_vehicle_picker_shows_plate_model_and_customer(app, signed_in):
    from tests import factories

    owner = factories.customer("C-77", first_name="Lucía", last_name="Ordóñez")
    factories.vehicle(owner, "UCC-8299", brand="Haval", model="H6")
    db.session.commit()
    found = signed_in("operator").get("/admin/reminder/ajax/lookup/?name=vehicle&query=UCC").get_json()
    assert [label for _, label in found] == ["UCC-8299 · Haval H6 · Lucía Ordóñez"]
