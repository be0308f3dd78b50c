"""A day of a workshop (issue #15's closing note), end to end through the API against the peers:
events at 22:40 wait for 08:00, a first_available customer is reached once, a scheduled appointment
reminder goes out and another is cancelled. Run with -s to read the day as it happens."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import delivery
from app.extensions import db
from app.models import DeliveryPolicy, Notification
from tests import factories as f
from tests.clock import WallClock

GYE = ZoneInfo("America/Guayaquil")
URL = "/api/v1/notifications/events/dispatch/"
OFFICE = {d: ["08:00-19:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["08:00-13:00"]}


def at(*args):
    return datetime(*args, tzinfo=GYE).astimezone(timezone.utc)


def show(when, text):
    print(f"{when.astimezone(GYE):%a %d %b %H:%M} | {text}")


def log(correlation_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.correlation_id == correlation_id)
                                   .order_by(Notification.channel)))


def test_a_day_of_a_workshop(app, client, api_headers, peers_configured, monkeypatch):
    clock = WallClock(at(2026, 1, 20, 22, 40))  # Tuesday night
    for module in ("app.dispatch.plan", "app.dispatch.accept", "app.delivery.caps"):
        monkeypatch.setattr(f"{module}.utcnow", clock)
    setup = f.basic_setup(channels={"email": True, "whatsapp": True, "push": False})
    f.customer(preferences=[("whatsapp", True, 1), ("email", True, 2)])
    f.customer("customer-002", first_name="Ana", last_name="Paredes", email="ana@example.com",
               phone="+593987654321", preferences=[("whatsapp", True, 1), ("email", True, 2)])
    for channel in ("whatsapp", "email"):
        f.add(DeliveryPolicy(workshop_id=None, channel=channel, hours=OFFICE, closed_dates=[], per_minute=30))
    f.template("whatsapp", None, None, "Recordatorio: {{Nombre}}, su cita es el {{Fecha}} a las {{Hora}}.",
               event_type="appointment_reminder", name="recordatorio de cita")
    db.session.commit()
    evolution, smtp = peers_configured["evolution"], peers_configured["smtp"]
    print()

    # 22:40: the car moves to quality control; nothing goes out at night.
    body = client.post(URL, json=f.dispatch_payload(correlation_id="OT-100", phase_id="phase-quality"),
                       headers=api_headers).get_json()
    for n in body["notifications"]:
        show(clock.now, f"OT-100 {n['channel']}: {n['status']} for {n['scheduled_at']}")
    assert {(n["status"], n["scheduled_at"]) for n in body["notifications"]} == {
        ("scheduled", at(2026, 1, 21, 8, 0).isoformat())}
    assert evolution.sent == [] and smtp.messages == []

    # 08:00 Wednesday: the window opens; the watch releases the rows and delivery sends them.
    clock.now = at(2026, 1, 21, 8, 0)
    released = delivery.release_due(clock.now)
    delivery.deliver_due(50, 30)
    for row in log("OT-100"):
        show(clock.now, f"OT-100 {row.channel}: {row.status} (planned {row.scheduled_at.astimezone(GYE):%H:%M})")
    assert released == 2 and {r.status for r in log("OT-100")} == {"sent"}

    # 09:15: a one-channel workshop config; Ana's WhatsApp number is not on WhatsApp -> email, once.
    clock.now = at(2026, 1, 21, 9, 15)
    setup.config.strategy = "first_available"
    db.session.commit()
    evolution.script_not_registered()
    client.post(URL, json=f.dispatch_payload(correlation_id="OT-101", customer_id="customer-002",
                                             phase_id="phase-repair"), headers=api_headers)
    rows = log("OT-101")
    for row in rows:
        show(clock.now, f"OT-101 {row.channel}: {row.status} {row.error_code}".rstrip())
    assert [(r.channel, r.status) for r in rows] == [("email", "sent"), ("whatsapp", "failed")]
    assert [m.message["To"] for m in smtp.messages][-1] == "ana@example.com"

    # 10:00: two appointments booked with a 24-hour reminder; one is called off the same day.
    clock.now = at(2026, 1, 21, 10, 0)
    setup.config.strategy, setup.config.reminder_hours_before = "all", 24
    db.session.commit()
    for cid, customer, day in (("CITA-7", "customer-001", "23 de Enero, 2026"),
                               ("CITA-8", "customer-002", "23 de Enero, 2026")):
        ctx = {**f.dispatch_payload()["context"], "fecha": day, "hora": "09:30"}
        reply = client.post(URL, json=f.dispatch_payload(correlation_id=cid, customer_id=customer, context=ctx,
                                                         send_at="2026-01-21T10:30:00-05:00"),
                            headers=api_headers).get_json()
        show(clock.now, f"{cid}: reminder {reply['reminder']['correlation_id']} for {reply['reminder']['send_at']}")
    clock.now = at(2026, 1, 21, 10, 5)
    res = client.post("/api/v1/notifications/events/CITA-8/cancel/", headers=api_headers)
    show(clock.now, f"CITA-8 cancelled: {res.status_code}, {len(res.get_json()['cancelled'])} notifications")
    assert res.status_code == 200

    # Thursday 09:30: CITA-7's reminder goes out; CITA-8's never does.
    clock.now = at(2026, 1, 22, 9, 30)
    delivery.release_due(clock.now)
    delivery.deliver_due(50, 30)
    [sent] = log("CITA-7:reminder")
    [cancelled] = log("CITA-8:reminder")
    show(clock.now, f"CITA-7 reminder whatsapp: {sent.status}: {sent.body}")
    show(clock.now, f"CITA-8 reminder whatsapp: {cancelled.status}")
    assert (sent.status, cancelled.status) == ("sent", "cancelled")
    # CITA-7's own confirmation (send_at Wednesday 10:30) goes out in the same batch, in either order.
    reminders = [m["text"] for m in evolution.sent if m["text"].startswith("Recordatorio")]
    assert reminders == ["Recordatorio: Carlos Mendoza, su cita es el 23 de Enero, 2026 a las 09:30."]
