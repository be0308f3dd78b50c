"""check_maintenance_reminders: due by date or kilometres, every variable filled, once per day."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MaintenanceReminder, Notification
from app.records import check_maintenance_reminders
from tests import factories as f


@pytest.fixture
def owner(app, peers_configured):
    f.basic_setup()
    for channel in ("email", "whatsapp", "push"):
        f.template(channel, None, None, "Hola {{Nombre}}, su {{Vehículo}} ({{Placa}}) necesita {{Servicio}}: "
                   "{{Fecha}} o {{Kilometraje}}. {{Taller}} {{Enlace}}",
                   event_type="maintenance_reminder", subject="Recordatorio: {{Servicio}}")
    person = f.customer(email="ana@example.com", phone="", first_name="Ana", last_name="Paz")
    db.session.commit()
    return person


def reminder(owner, **kw):
    car = f.vehicle(owner, plate=kw.pop("plate", "PBA1234"), current_kilometers=kw.pop("km", 40000))
    row = f.add(MaintenanceReminder(vehicle_id=car.id, customer_id=owner.id, title="Cambio de aceite", **kw))
    db.session.commit()
    return row


def test_due_by_date_is_sent_with_every_variable_filled(owner, peers_configured):
    reminder(owner, due_date=date.today() + timedelta(days=3), notify_before_days=7)
    result = check_maintenance_reminders(force=True)
    assert result["notified"] == 1
    [mail] = peers_configured["smtp"].messages
    text = mail.message.get_body(("plain",)).get_content()
    assert "Hola Ana Paz, su Haval H6 2024 (PBA1234) necesita Cambio de aceite" in text
    assert "{{" not in text and "Taller Central" in text


def test_reminder_email_carries_one_click_unsubscribe(owner, peers_configured, client):
    reminder(owner, due_date=date.today())
    check_maintenance_reminders(force=True)
    message = peers_configured["smtp"].messages[0].message
    url = message["List-Unsubscribe"].strip().strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = url.replace("https://avisos.taller.test", "")
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200
    db.session.expire_all()
    assert owner.reminder_email_opt_out is True


def test_due_by_kilometres_against_current_kilometres(owner):
    reminder(owner, due_kilometers=45000, notify_before_km=500, km=44600)
    assert check_maintenance_reminders(force=True)["notified"] == 1


def test_not_yet_due_is_not_sent(owner):
    reminder(owner, due_date=date.today() + timedelta(days=30), due_kilometers=60000, km=40000)
    assert check_maintenance_reminders(force=True)["notified"] == 0


def test_reminder_is_marked_notified(owner):
    row = reminder(owner, due_date=date.today())
    check_maintenance_reminders(force=True)
    db.session.expire_all()
    assert row.status == "notified" and row.last_notified_at is not None and row.notified_count == 1


def test_never_notified_twice_in_a_day(owner, peers_configured):
    row = reminder(owner, due_date=date.today())
    check_maintenance_reminders(force=True)
    row.status = "pending"  # staff reopened it the same day
    db.session.commit()
    second = check_maintenance_reminders(force=True)
    assert second["notified"] == 0 and second["skipped_today"] == 1
    assert len(peers_configured["smtp"].messages) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1


def test_scheduled_run_waits_for_the_daily_hour(owner, app):
    app.config["REMINDER_HOUR"] = 24  # never reached
    reminder(owner, due_date=date.today())
    assert "skipped" in check_maintenance_reminders(force=False)


def test_past_due_reminder_becomes_overdue(owner):
    row = reminder(owner, due_date=date.today() - timedelta(days=3))
    check_maintenance_reminders(force=True)
    db.session.expire_all()
    assert row.status == "overdue"
