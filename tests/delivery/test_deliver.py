"""Delivery end to end through the API, against the local SMTP, Evolution and push peers."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import delivery
from app.delivery import deliver, send
from app.extensions import db
from app.models import DeliveryAttempt, Notification, PushSubscription
from app.models.base import utcnow
from app.queue import SEND_NOTIFICATION
from tests import factories as f

URL = "/api/v1/notifications/events/dispatch/"


def dispatch(client, headers, **overrides):
    res = client.post(URL, json=f.dispatch_payload(**overrides), headers=headers)
    assert res.status_code == 202, res.get_json()
    return res.get_json()


def rows(channel=None):
    query = select(Notification).order_by(Notification.created_at)
    if channel:
        query = query.where(Notification.channel == channel)
    db.session.expire_all()
    return list(db.session.scalars(query))


def make_due_now():
    db.session.execute(update(Notification).where(Notification.status == "retrying").values(next_retry_at=utcnow()))
    db.session.commit()


@pytest.fixture
def email_only(app):
    setup = f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    f.customer()
    db.session.commit()
    return setup


@pytest.fixture
def whatsapp_only(app):
    setup = f.basic_setup(channels={"email": False, "whatsapp": True, "push": False})
    f.customer(preferences=[("whatsapp", True, 1), ("email", True, 2), ("push", True, 3)])
    db.session.commit()
    return setup


def test_email_is_delivered_with_text_and_html_parts(client, api_headers, peers_configured, email_only):
    dispatch(client, api_headers)
    [mail] = peers_configured["smtp"].messages
    message = mail.message
    assert message["To"] == "carlos@example.com" and message["Subject"] == "Aviso de Taller Central"
    assert message["Message-ID"] and message["Date"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Haval H6 2024 (ABC123)" in text and "<p>Hola Carlos Mendoza" in html
    [row] = rows()
    assert row.status == "sent" and row.provider_message_id == message["Message-ID"]


def test_html_part_escapes_context_values(client, api_headers, peers_configured, email_only):
    ctx = {**f.dispatch_payload()["context"], "nombre": "<b>Ana</b>"}
    dispatch(client, api_headers, context=ctx)
    html = peers_configured["smtp"].messages[0].message.get_body(("html",)).get_content()
    assert "&lt;b&gt;Ana&lt;/b&gt;" in html and "<b>Ana</b>" not in html


def test_whatsapp_is_delivered_to_evolution_and_key_id_kept(client, api_headers, peers_configured, whatsapp_only):
    dispatch(client, api_headers)
    evolution = peers_configured["evolution"]
    [sent] = evolution.sent
    assert sent == {"number": "593991234567", "text": "Hola Carlos Mendoza: su vehículo ABC123 está en Agendar Cita."}
    [row] = rows()
    assert row.status == "sent" and row.provider_message_id.startswith("3EB0")


def test_push_is_delivered_encrypted_with_the_service_worker_payload(client, api_headers, peers_configured, app):
    f.basic_setup(channels={"email": False, "whatsapp": False, "push": True})
    owner = f.customer()
    subscriber = peers_configured["push"].make_subscriber()
    f.push_subscription(owner, subscriber.endpoint, subscriber.p256dh, subscriber.auth)
    db.session.commit()
    dispatch(client, api_headers, correlation_id="ot-55")
    [record] = peers_configured["push"].delivered
    payload = record.payload
    [row] = rows()
    assert payload["body"] == "ABC123: Agendar Cita" and payload["id"] == str(row.id)
    assert payload["url"] == "https://app.taller.test" and payload["tag"] == "avisos-ot-55"
    assert record.ttl == app.config["PUSH_TTL_SECONDS"] and row.status == "sent"


def test_push_410_deactivates_the_subscription(client, api_headers, peers_configured, app):
    f.basic_setup(channels={"email": False, "whatsapp": False, "push": True})
    owner = f.customer(email="", phone="")
    subscriber = peers_configured["push"].make_subscriber()
    sub = f.push_subscription(owner, subscriber.endpoint, subscriber.p256dh, subscriber.auth)
    db.session.commit()
    peers_configured["push"].script(subscriber.token, 410)
    dispatch(client, api_headers)
    db.session.expire_all()
    assert db.session.get(PushSubscription, sub.id).is_active is False
    [row] = rows()
    assert row.status == "failed" and row.error_code == "push_subscription_gone"


def test_transient_failure_then_success_is_sent_once(client, api_headers, peers_configured, whatsapp_only):
    evolution = peers_configured["evolution"]
    evolution.script(500, {"status": 500, "error": "Internal Server Error"})
    before = utcnow()
    dispatch(client, api_headers)
    after = utcnow()
    [row] = rows()
    assert row.status == "retrying"
    assert before + timedelta(seconds=30) <= row.next_retry_at <= after + timedelta(seconds=30)  # the first backoff
    make_due_now()
    delivery.sweep()
    [row] = rows()
    assert row.status == "sent" and row.attempts == 2 and len(evolution.sent) == 1
    outcomes = [a.outcome for a in db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.number))]
    assert outcomes == ["transient", "ok"]


def test_backoff_follows_the_configured_schedule(client, api_headers, peers_configured, whatsapp_only, app):
    peers_configured["evolution"].script(503, {"status": 503}, times=2)
    dispatch(client, api_headers)
    first = rows()[0].next_retry_at
    make_due_now()
    delivery.sweep()
    second = rows()[0]
    gap = (second.next_retry_at - second.updated_at).total_seconds()
    assert 110 <= gap <= 130 and first is not None


def test_permanent_failure_falls_back_to_next_channel_with_its_own_template(
        client, api_headers, peers_configured, whatsapp_only):
    peers_configured["evolution"].script_not_registered()
    dispatch(client, api_headers)
    whatsapp, email = rows("whatsapp")[0], rows("email")[0]
    assert whatsapp.status == "failed" and whatsapp.error_code == "whatsapp_not_registered"
    assert email.parent_id == whatsapp.id and email.status == "sent"
    assert email.body.startswith("Hola Carlos Mendoza, su Haval H6 2024")  # the email template, not WhatsApp's
    assert peers_configured["smtp"].messages[0].message["To"] == "carlos@example.com"


def test_retries_exhausted_fail_and_fall_back(client, api_headers, peers_configured, whatsapp_only):
    peers_configured["evolution"].script(500, {"status": 500}, times=4)
    dispatch(client, api_headers)
    for _ in range(3):
        make_due_now()
        delivery.sweep()
    whatsapp = rows("whatsapp")[0]
    assert whatsapp.status == "failed" and whatsapp.attempts == 4
    assert rows("email")[0].status == "sent"


def _accept_without_delivering(client, headers, app, customers):
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    try:
        for ref in customers:
            dispatch(client, headers, customer_id=ref)
    finally:
        jobs.mode = "inline"


def test_sequential_sends_in_a_batch_share_one_smtp_connection(client, api_headers, peers_configured, email_only, app):
    app.config["DELIVERY_SEND_CONCURRENCY"] = 1
    refs = [f"c-{i}" for i in range(3)]
    for i, ref in enumerate(refs):
        f.customer(ref, email=f"c{i}@example.com")
    db.session.commit()
    _accept_without_delivering(client, api_headers, app, refs)
    delivery.deliver_due(batch_size=50, budget_seconds=10)
    assert len(peers_configured["smtp"].messages) == 3 and peers_configured["smtp"].connections == 1


def test_concurrent_sends_deliver_each_row_once_on_at_most_one_connection_per_thread(
        client, api_headers, peers_configured, email_only, app):
    app.config.update(DELIVERY_SEND_CONCURRENCY=4, DELIVERY_RECORD_GROUP=5)
    refs = [f"c-{i}" for i in range(12)]
    for i, ref in enumerate(refs):
        f.customer(ref, email=f"c{i}@example.com")
    db.session.commit()
    _accept_without_delivering(client, api_headers, app, refs)
    counts = delivery.deliver_due(batch_size=50, budget_seconds=10)
    smtp = peers_configured["smtp"]
    assert counts["ok"] == 12 and sorted(m.message["To"] for m in smtp.messages) == sorted(f"c{i}@example.com" for i in range(12))
    assert smtp.connections <= 4
    assert {(r.status, r.attempts) for r in rows()} == {("sent", 1)}
    assert db.session.scalar(select(db.func.count()).select_from(DeliveryAttempt)) == 12


def test_worker_killed_mid_send_is_recovered_by_the_sweeper(client, api_headers, peers_configured, email_only, app):
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    try:
        dispatch(client, api_headers)
        token, ids = delivery.claim_due(10)  # the worker claims, then dies before sending
    finally:
        jobs.mode = "inline"
    assert len(ids) == 1 and rows()[0].status == "sending"
    db.session.execute(update(Notification).values(claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    result = delivery.sweep()
    [row] = rows()
    assert result["recovered_stuck"] == 1 and row.status == "sent"
    assert len(peers_configured["smtp"].messages) == 1


def test_a_claimed_row_cannot_be_claimed_again(client, api_headers, email_only, app):
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    try:
        body = dispatch(client, api_headers)
    finally:
        jobs.mode = "inline"
    import uuid

    row_id = uuid.UUID(body["notifications"][0]["id"])
    assert delivery.claim_notification(row_id) is not None
    assert delivery.claim_notification(row_id) is None
    assert delivery.claim_due(10)[1] == []


def test_late_outcome_from_a_reclaimed_row_is_ignored(client, api_headers, email_only, app):
    from app.channels.base import SendResult

    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    try:
        dispatch(client, api_headers)
        old_token, [row_id] = delivery.claim_due(10)
    finally:
        jobs.mode = "inline"
    db.session.execute(update(Notification).values(status="retrying", next_retry_at=utcnow(), claim_token=None))
    db.session.commit()
    new_token, _ = delivery.claim_due(10)
    row = db.session.get(Notification, row_id)
    delivery.record_outcome(row, old_token, SendResult.permanent("x", "late"), utcnow(), 1)
    db.session.expire_all()
    assert db.session.get(Notification, row_id).status == "sending" and new_token != old_token


def test_waiting_event_expires_as_failed_with_reason(client, api_headers, email_only, app):
    dispatch(client, api_headers, customer_id="never-synced")
    from app.models import DispatchEvent

    db.session.execute(update(DispatchEvent).values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    assert delivery.sweep()["expired_waiting"] == 1
    [row] = rows()
    assert row.status == "failed" and row.error_code == "customer_not_found" and "never-synced" in row.error_reason


def test_waiting_event_whose_customer_exists_is_planned_by_the_sweeper(client, api_headers, email_only, app):
    dispatch(client, api_headers, customer_id="late-1")
    f.customer("late-1", email="late@example.com")  # committed without going through the sync API
    db.session.commit()
    assert delivery.sweep()["planned_late_customers"] == 1
    [row] = rows()
    assert row.channel == "email" and row.recipient == "late@example.com"


def test_dispatch_accepts_json_without_a_content_type(client, api_key, email_only):
    import json

    res = client.post(URL, data=json.dumps(f.dispatch_payload()), headers={"X-API-Key": api_key})
    assert res.status_code == 202


def test_a_claim_never_takes_more_than_its_batch_even_with_stale_statistics(client, api_headers, email_only, app):
    from sqlalchemy import text

    db.session.execute(text("ANALYZE notifications"))  # statistics of an empty table, then 120 rows
    db.session.commit()
    refs = [f"c-{i}" for i in range(60)]
    for i, ref in enumerate(refs):
        f.customer(ref, email=f"c{i}@example.com")
    db.session.commit()
    _accept_without_delivering(client, api_headers, app, refs)
    _accept_without_delivering(client, api_headers, app, refs)
    token, ids = delivery.claim_due(25)
    assert len(ids) == 25


def _time_out_first_send(app, evolution, status=None):
    """The next sendText answers after the adapter gave up (the gateway took it unless `status`)."""
    app.config["EVOLUTION_TIMEOUT"] = 0.3
    evolution.script(status, {"status": status} if status else None, delay=1.0)


def test_a_whatsapp_message_whose_answer_timed_out_is_looked_up_not_sent_again(
        client, api_headers, peers_configured, whatsapp_only, app):
    evolution = peers_configured["evolution"]
    _time_out_first_send(app, evolution)
    dispatch(client, api_headers)
    assert [(r.status, r.error_code) for r in rows()] == [("retrying", "evolution_timeout")]
    make_due_now()
    delivery.sweep()
    [row] = rows()
    assert row.status == "sent" and row.attempts == 2 and row.provider_message_id.startswith("3EB0")
    assert len(evolution.sent) == 1 and len(evolution.lookups) == 1
    last = db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.number.desc())).first()
    assert last.outcome == "ok" and "not sent again" in last.response_summary


def test_a_message_found_at_the_gateway_but_recorded_by_another_row_is_sent(
        client, api_headers, peers_configured, whatsapp_only, app):
    evolution = peers_configured["evolution"]
    _time_out_first_send(app, evolution, status=504)  # this time the gateway did not take it
    dispatch(client, api_headers)
    dispatch(client, api_headers)  # the same text to the same number, sent at once
    make_due_now()
    delivery.sweep()
    assert {r.status for r in rows()} == {"sent"} and len(evolution.sent) == 2
    assert len({r.provider_message_id for r in rows()}) == 2


def test_a_gateway_that_cannot_be_asked_now_is_asked_again_at_the_next_attempt(
        client, api_headers, peers_configured, whatsapp_only, app):
    evolution = peers_configured["evolution"]
    _time_out_first_send(app, evolution)
    dispatch(client, api_headers)
    evolution.find_status = 503
    make_due_now()
    delivery.sweep()
    assert [(r.status, r.error_code) for r in rows()] == [("retrying", "provider_lookup_failed")]
    evolution.find_status = None
    make_due_now()
    delivery.sweep()
    assert [r.status for r in rows()] == ["sent"] and len(evolution.sent) == 1


def test_sends_never_run_ahead_of_recording(client, api_headers, peers_configured, email_only, app):
    app.config["DELIVERY_SEND_CONCURRENCY"] = 4
    refs = [f"c-{i}" for i in range(12)]
    for i, ref in enumerate(refs):
        f.customer(ref, email=f"c{i}@example.com")
    db.session.commit()
    _accept_without_delivering(client, api_headers, app, refs)
    token, ids = delivery.claim_due(50)
    work = deliver._work(deliver.read_claimed(token, ids))
    outcomes = send.send_all(work, app.config)
    next(outcomes)  # one outcome taken, none recorded: at most 4 + 1 sends may have been handed over
    pool = send._send_pool(4)
    # Handed over = sent + sending + waiting for a pool thread (on a busy machine one may still wait).
    assert len(peers_configured["smtp"].messages) + pool._work_queue.qsize() <= 5
    assert sum(1 for _ in outcomes) == 11


def test_a_delivery_that_stops_with_an_error_gives_its_rows_back_at_once(
        client, api_headers, peers_configured, email_only, app, monkeypatch):
    _accept_without_delivering(client, api_headers, app, ["customer-001"])
    token, ids = delivery.claim_due(10)

    def interrupted(row, token_, result, started, duration_ms, pending):
        raise RuntimeError("job timeout")

    monkeypatch.setattr(deliver, "record", interrupted)
    with pytest.raises(RuntimeError):
        delivery.deliver_claimed(token, ids)
    [row] = rows()
    assert row.status == "retrying" and row.error_code == "delivery_interrupted" and row.claim_token is None


def test_a_retry_that_runs_before_its_time_is_not_lost(client, api_headers, email_only, app, monkeypatch):
    _accept_without_delivering(client, api_headers, app, ["customer-001"])
    [row] = rows()
    later = utcnow() + timedelta(seconds=30)
    db.session.execute(update(Notification).values(status="retrying", next_retry_at=later, attempts=1))
    db.session.commit()
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    scheduled = []
    monkeypatch.setattr(jobs, "enqueue_at",
                        lambda when, queue, job, *args, job_id=None: scheduled.append((when, job, args)))

    assert delivery.deliver_one(str(row.id), attempt=1) is False
    assert scheduled == [(later, SEND_NOTIFICATION, (str(row.id), 1))]
    assert delivery.deliver_one(str(row.id), attempt=0) is False  # overtaken by attempt 1: nothing to do
    assert len(scheduled) == 1
