"""Delivery policy end to end through the API, against the local SMTP, Evolution and push peers:
send windows (deferred, released when they open, urgent bypass, backlog spread), strategy
first_available, send_at, cancellation, appointment reminders and per-customer caps."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import delivery
from app.extensions import db
from app.models import DeliveryPolicy, Notification
from tests import factories as f
from tests.clock import WallClock

URL = "/api/v1/notifications/events/dispatch/"
GYE = ZoneInfo("America/Guayaquil")
OFFICE = {d: ["08:00-19:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["08:00-13:00"]}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=GYE).astimezone(timezone.utc)


def rows(**where):
    db.session.expire_all()
    query = select(Notification).order_by(Notification.created_at)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query))


def dispatch(client, headers, status=202, **overrides):
    res = client.post(URL, json=f.dispatch_payload(**overrides), headers=headers)
    assert res.status_code == status, res.get_json()
    return res.get_json()


@pytest.fixture
def clock(monkeypatch):
    """Planning, send_at checks and caps read this clock (Tuesday 20 January 2026, 22:40 in Guayaquil)."""
    wall = WallClock(local(2026, 1, 20, 22, 40))
    for module in ("app.dispatch.plan", "app.dispatch.accept", "app.delivery.caps"):
        monkeypatch.setattr(f"{module}.utcnow", wall)
    return wall


@pytest.fixture
def shop(app):
    setup = f.basic_setup(channels={"email": True, "whatsapp": True, "push": False})
    f.customer(preferences=[("whatsapp", True, 1), ("email", True, 2), ("push", True, 3)])
    db.session.commit()
    return setup


def office_hours(channel: str, **kw) -> DeliveryPolicy:
    row = f.add(DeliveryPolicy(workshop_id=None, channel=channel, hours=OFFICE, closed_dates=[], **kw))
    db.session.commit()
    return row


def test_event_at_22_40_waits_for_08_00_and_goes_out_when_the_window_opens(
        client, api_headers, peers_configured, shop, clock):
    office_hours("whatsapp")
    office_hours("email")
    body = dispatch(client, api_headers, correlation_id="ot-1")
    assert {n["status"] for n in body["notifications"]} == {"scheduled"}
    assert {n["scheduled_at"] for n in body["notifications"]} == {"2026-01-21T13:00:00+00:00"}
    view = client.get("/api/v1/notifications/events/ot-1/", headers=api_headers).get_json()
    assert {(n["status"], n["scheduled_at"], n["hold_reason"]) for n in view["notifications"]} == {
        ("scheduled", "2026-01-21T13:00:00+00:00", "window")}
    assert delivery.release_due(local(2026, 1, 21, 7, 59)) == 0
    assert delivery.release_due(local(2026, 1, 21, 8, 0)) == 2
    delivery.deliver_due(50, 30)
    assert {r.status for r in rows()} == {"sent"}
    assert len(peers_configured["evolution"].sent) == 1 and len(peers_configured["smtp"].messages) == 1


def test_urgent_phase_skips_the_window(client, api_headers, peers_configured, shop, clock):
    office_hours("whatsapp")
    shop.phases["phase-schedule"].is_urgent = True
    db.session.commit()
    dispatch(client, api_headers)
    assert [r.status for r in rows(channel="whatsapp")] == ["sent"]
    assert rows(channel="whatsapp")[0].urgent is True


def test_urgent_phase_until_21_00_goes_at_20_30_and_waits_at_22_40(client, api_headers, peers_configured, shop,
                                                                    clock):
    office_hours("whatsapp")
    shop.phases["phase-schedule"].is_urgent = True
    shop.phases["phase-schedule"].urgent_until = "21:00"
    db.session.commit()
    dispatch(client, api_headers, correlation_id="late")  # 22:40: after the bound
    late = rows(channel="whatsapp")
    assert [(r.status, r.hold_reason, r.scheduled_at) for r in late] == [
        ("scheduled", "window", datetime(2026, 1, 21, 13, 0, tzinfo=timezone.utc))]
    clock.now = local(2026, 1, 20, 20, 30)  # before the bound, after the 19:00 close
    dispatch(client, api_headers, correlation_id="early")
    assert [r.status for r in rows(channel="whatsapp", correlation_id="early")] == ["sent"]


def test_custom_event_with_priority_urgent_skips_the_window(client, api_headers, peers_configured, shop, clock):
    office_hours("whatsapp")
    office_hours("email")
    dispatch(client, api_headers, event_type="custom", service_type_id=None, phase_id=None, priority="urgent",
             context={"subject": "Aviso de seguridad", "body": "Retiro preventivo de su vehículo."})
    assert {r.status for r in rows()} == {"sent"}


def test_backlog_waiting_for_an_opening_is_spread_at_the_channel_rate(client, api_headers, shop, clock,
                                                                      peers_configured):
    office_hours("whatsapp", per_minute=2)
    for n in range(3):
        dispatch(client, api_headers, correlation_id=f"ot-{n}", channels=["whatsapp"])
    planned = [r.scheduled_at for r in rows(channel="whatsapp")]
    opening = local(2026, 1, 21, 8, 0)
    assert planned == [opening, opening + timedelta(seconds=30), opening + timedelta(seconds=60)]


def test_first_available_reaches_the_customer_once(client, api_headers, peers_configured, shop):
    shop.config.strategy = "first_available"
    db.session.commit()
    body = dispatch(client, api_headers)
    assert [n["channel"] for n in body["notifications"]] == ["whatsapp"]
    assert [(r.channel, r.status) for r in rows()] == [("whatsapp", "sent")]
    assert peers_configured["smtp"].messages == []


def test_first_available_falls_back_to_the_second_channel_once(client, api_headers, peers_configured, shop):
    shop.config.strategy = "first_available"
    db.session.commit()
    peers_configured["evolution"].script_not_registered()
    dispatch(client, api_headers)
    whatsapp, email = rows(channel="whatsapp"), rows(channel="email")
    assert [r.status for r in whatsapp] == ["failed"]
    assert [(r.status, r.parent_id) for r in email] == [("sent", whatsapp[0].id)]
    assert len(peers_configured["smtp"].messages) == 1 and rows(status="sent") == email


def test_send_at_in_the_future_is_delivered_when_due(client, api_headers, peers_configured, shop, clock):
    clock.now = local(2026, 1, 20, 9, 0)
    body = dispatch(client, api_headers, correlation_id="later", channels=["whatsapp"],
                    send_at="2026-01-20T11:30:00-05:00")
    assert body["notifications"][0]["scheduled_at"] == "2026-01-20T16:30:00+00:00"
    assert delivery.release_due(local(2026, 1, 20, 11, 29)) == 0
    assert peers_configured["evolution"].sent == []
    assert delivery.release_due(local(2026, 1, 20, 11, 30)) == 1
    delivery.deliver_due(50, 30)
    [row] = rows()
    assert row.status == "sent" and row.hold_reason == "send_at"


@pytest.mark.parametrize("send_at, problem", [
    ("2026-01-20T11:30:00", "offset"), ("mañana", "ISO 8601"), ("2026-06-20T11:30:00-05:00", "90 days"),
])
def test_send_at_without_offset_unreadable_or_too_far_is_refused(client, api_headers, shop, clock, send_at, problem):
    body = dispatch(client, api_headers, status=400, send_at=send_at)
    assert problem in str(body["fields"]["send_at"]) and rows() == []


def test_send_at_within_a_minute_is_sent_now(client, api_headers, peers_configured, shop):
    soon = (datetime.now(timezone.utc) + timedelta(seconds=30)).isoformat()
    dispatch(client, api_headers, channels=["whatsapp"], send_at=soon)
    assert [r.status for r in rows()] == ["sent"]


def test_cancel_before_send_cancels_every_pending_row_and_repeats_idempotently(
        client, api_headers, peers_configured, shop, clock):
    dispatch(client, api_headers, correlation_id="ot-9", send_at="2026-01-21T10:00:00-05:00")
    first = client.post("/api/v1/notifications/events/ot-9/cancel/", headers=api_headers)
    assert first.status_code == 200 and len(first.get_json()["cancelled"]) == 2
    again = client.post("/api/v1/notifications/events/ot-9/cancel/", headers=api_headers)
    assert again.status_code == 200 and again.get_json()["cancelled"] == []
    assert len(again.get_json()["already_cancelled"]) == 2
    assert delivery.release_due(local(2026, 1, 22, 0, 0)) == 0
    assert {r.status for r in rows()} == {"cancelled"} and peers_configured["evolution"].sent == []


def test_cancel_after_send_answers_409_listing_what_was_sent(client, api_headers, peers_configured, shop):
    dispatch(client, api_headers, correlation_id="ot-10")
    res = client.post("/api/v1/notifications/events/ot-10/cancel/", headers=api_headers)
    assert res.status_code == 409
    body = res.get_json()
    assert {n["channel"] for n in body["already_sent"]} == {"whatsapp", "email"} and body["cancelled"] == []


def test_cancel_of_an_unknown_event_is_404(client, api_headers, shop):
    assert client.post("/api/v1/notifications/events/nope/cancel/", headers=api_headers).status_code == 404


@pytest.fixture
def reminders(shop):
    shop.config.reminder_hours_before = 24
    f.template("whatsapp", None, None, "Recordatorio: {{Nombre}}, su cita es el {{Fecha}} a las {{Hora}}.",
               event_type="appointment_reminder", name="recordatorio de cita")
    db.session.commit()
    return shop


def test_appointment_schedules_its_reminder_n_hours_before(client, api_headers, peers_configured, reminders, clock):
    clock.now = local(2026, 1, 10, 9, 0)
    body = dispatch(client, api_headers, correlation_id="cita-1")
    assert body["reminder"]["correlation_id"] == "cita-1:reminder"
    assert body["reminder"]["send_at"] == "2026-01-19T19:30:00+00:00"  # 20 de Enero 14:30 -05:00 minus 24 h
    [reminder] = rows(correlation_id="cita-1:reminder")
    assert (reminder.status, reminder.hold_reason, reminder.channel) == ("scheduled", "reminder", "whatsapp")
    assert delivery.release_due(local(2026, 1, 19, 14, 30)) == 1
    delivery.deliver_due(50, 30)
    # The appointment's own messages (queued at 09:00) may go out in the same batch, in either order.
    sent = [m["text"] for m in peers_configured["evolution"].sent if m["text"].startswith("Recordatorio")]
    assert sent == ["Recordatorio: Carlos Mendoza, su cita es el 20 de Enero, 2026 a las 14:30."]


def test_rescheduled_appointment_replaces_the_pending_reminder(client, api_headers, reminders, clock,
                                                               peers_configured):
    clock.now = local(2026, 1, 10, 9, 0)
    dispatch(client, api_headers, correlation_id="cita-2")
    later = {**f.dispatch_payload()["context"], "fecha": "22 de Enero, 2026", "hora": "09:00"}
    dispatch(client, api_headers, correlation_id="cita-2", context=later)
    found = rows(correlation_id="cita-2:reminder")
    old, new = sorted(found, key=lambda r: r.status != "cancelled")  # created in the same (frozen) instant
    assert (old.status, old.error_code) == ("cancelled", "rescheduled")
    assert (new.status, new.scheduled_at) == ("scheduled", local(2026, 1, 21, 9, 0))


def test_cancelling_the_appointment_cancels_its_reminder(client, api_headers, reminders, clock, peers_configured):
    clock.now = local(2026, 1, 10, 9, 0)
    dispatch(client, api_headers, correlation_id="cita-3", send_at="2026-01-10T10:00:00-05:00")
    res = client.post("/api/v1/notifications/events/cita-3/cancel/", headers=api_headers)
    assert res.status_code == 200
    assert {r.status for r in rows(correlation_id="cita-3:reminder")} == {"cancelled"}


def test_message_over_the_customer_cap_waits_until_the_window_allows(app, client, api_headers, peers_configured,
                                                                     shop, clock):
    app.config["CUSTOMER_CAPS"] = "whatsapp=2/60"
    clock.now = local(2026, 1, 20, 10, 0)
    for n in range(3):
        dispatch(client, api_headers, correlation_id=f"cap-{n}", channels=["whatsapp"])
    statuses = [(r.status, r.hold_reason) for r in rows()]
    assert statuses == [("sent", ""), ("sent", ""), ("scheduled", "cap")]
    assert rows()[2].scheduled_at == local(2026, 1, 20, 11, 0) and rows()[2].attempts == 0
    assert len(peers_configured["evolution"].sent) == 2


def _queue_whatsapp(app, client, api_headers, prefix: str, count: int) -> None:
    """Dispatch `count` WhatsApp events with no delivery run: their rows wait in the queue."""
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    try:
        for n in range(count):
            dispatch(client, api_headers, correlation_id=f"{prefix}-{n}", channels=["whatsapp"])
    finally:
        jobs.mode = "inline"


def test_one_claim_over_the_cap_defers_each_row_past_it(app, client, api_headers, peers_configured, shop, clock):
    app.config["CUSTOMER_CAPS"] = "whatsapp=2/60"
    clock.now = local(2026, 1, 20, 10, 0)
    _queue_whatsapp(app, client, api_headers, "claim", 4)
    delivery.deliver_due(50, 30)  # the four rows in one claim
    found = rows()  # created in the same (frozen) instant: which two go first is not fixed
    assert sorted((r.status, r.hold_reason, r.attempts) for r in found) == [
        ("scheduled", "cap", 0), ("scheduled", "cap", 0), ("sent", "", 1), ("sent", "", 1)]
    waiting = [r for r in found if r.status == "scheduled"]
    assert {r.scheduled_at for r in waiting} == {local(2026, 1, 20, 11, 0)}
    assert all(r.claim_token is None for r in waiting)
    assert len(peers_configured["evolution"].sent) == 2


def test_urgent_message_bypasses_the_cap(app, client, api_headers, peers_configured, shop):
    app.config["CUSTOMER_CAPS"] = "whatsapp=1/60"
    dispatch(client, api_headers, channels=["whatsapp"])
    dispatch(client, api_headers, channels=["whatsapp"], event_type="custom", service_type_id=None, phase_id=None,
             priority="urgent", context={"subject": "Urgente", "body": "Su vehículo necesita atención."})
    assert [r.status for r in rows()] == ["sent", "sent"]


def test_caps_hold_under_two_concurrent_workers(app, client, api_headers, peers_configured, shop):
    app.config["CUSTOMER_CAPS"] = "whatsapp=5/60"
    _queue_whatsapp(app, client, api_headers, "burst", 14)
    start = threading.Barrier(2)
    errors = []

    def worker():
        with app.app_context():
            try:
                start.wait(10)
                delivery.deliver_due(1, 60)
            except Exception as err:  # noqa: BLE001 - reported below
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    counts = dict(db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
    assert counts == {"sent": 5, "scheduled": 9}
    assert len(peers_configured["evolution"].sent) == 5


def test_analytics_count_customers_reached_per_strategy(client, api_headers, peers_configured, shop):
    dispatch(client, api_headers, correlation_id="a-1")
    shop.config.strategy = "first_available"
    db.session.commit()
    peers_configured["evolution"].script_not_registered()
    dispatch(client, api_headers, correlation_id="a-2")
    res = client.get("/api/v1/analytics/strategies/?days=1", headers=api_headers)
    assert res.status_code == 200
    by = {item["strategy"]: item for item in res.get_json()}
    assert by["all"]["customers_reached"] == 1 and by["all"]["messages_sent"] == 2
    assert by["all"]["reached_by_channel"] == {"whatsapp": 1, "email": 1}
    assert by["first_available"] == {"strategy": "first_available", "events": 1, "customers_reached": 1,
                                     "messages_sent": 1, "messages_per_customer_reached": 1.0,
                                     "reached_by_channel": {"email": 1}}


def test_a_replaced_reminder_whose_cancellation_was_lost_is_cancelled_when_due(
        client, api_headers, reminders, clock, peers_configured, monkeypatch):
    monkeypatch.setattr("app.dispatch.policy.replace_reminders", lambda *args, **kwargs: 0)  # lost in a crash
    clock.now = local(2026, 1, 10, 9, 0)
    dispatch(client, api_headers, correlation_id="cita-4")
    clock.advance(minutes=5)
    earlier = {**f.dispatch_payload()["context"], "fecha": "19 de Enero, 2026", "hora": "09:00"}
    dispatch(client, api_headers, correlation_id="cita-4", context=earlier)
    assert delivery.release_due(local(2026, 1, 19, 14, 30)) == 1  # only the new one (due 18 Jan 09:00)
    delivery.deliver_due(50, 30)
    statuses = sorted((r.scheduled_at, r.status, r.error_code) for r in rows(correlation_id="cita-4:reminder"))
    assert statuses == [(local(2026, 1, 18, 9, 0), "sent", ""), (local(2026, 1, 19, 14, 30), "cancelled", "rescheduled")]
    assert len(peers_configured["evolution"].sent) == 3  # the two appointments' WhatsApp and one reminder
