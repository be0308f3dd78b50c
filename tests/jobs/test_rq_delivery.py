"""The production path: RQ on a real Redis, a real SimpleWorker, PostgreSQL under CI."""

import threading

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import delivery
from app.extensions import db
from app.models import Notification
from tests import factories as f

URL = "/api/v1/notifications/events/dispatch/"


@pytest.fixture
def rq_app(app, make_app, redis_url, peers_configured):
    """An app whose jobs go to Redis, pointed at the same database and peers as `app`."""
    rq_app = make_app(JOBS_MODE="rq", REDIS_URL=redis_url)
    rq_app.config.update({k: v for k, v in app.config.items() if k.startswith(("EMAIL_", "EVOLUTION_", "VAPID_", "DEFAULT_FROM"))})
    f.basic_setup(channels={"email": True, "whatsapp": True, "push": False})
    f.customer()
    db.session.commit()
    with rq_app.app_context():
        yield rq_app
        db.session.remove()


def run_worker(rq_app) -> None:
    jobs = rq_app.extensions["avisos_jobs"]
    worker = SimpleWorker([jobs.queue(q) for q in ("notifications", "sync", "maintenance")], connection=jobs.redis)
    worker.work(burst=True, with_scheduler=False)


def statuses():
    db.session.expire_all()
    return sorted((n.channel, n.status) for n in db.session.scalars(select(Notification)))


def test_dispatch_enqueues_and_a_worker_delivers(rq_app, peers_configured, api_key):
    client = rq_app.test_client()
    res = client.post(URL, json=f.dispatch_payload(), headers={"X-API-Key": api_key})
    assert res.status_code == 202 and statuses() == [("email", "queued"), ("whatsapp", "queued")]
    run_worker(rq_app)
    assert statuses() == [("email", "sent"), ("whatsapp", "sent")]
    assert len(peers_configured["smtp"].messages) == 1 and len(peers_configured["evolution"].sent) == 1


def test_redis_down_at_dispatch_still_accepts_and_sweeper_delivers_later(rq_app, make_app, peers_configured, api_key):
    down = make_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")
    down.config.update({k: v for k, v in rq_app.config.items() if k.startswith(("EMAIL_", "EVOLUTION_"))})
    res = down.test_client().post(URL, json=f.dispatch_payload(), headers={"X-API-Key": api_key})
    assert res.status_code == 202 and res.get_json()["notifications_queued"] == 2
    assert statuses() == [("email", "queued"), ("whatsapp", "queued")]
    delivery.sweep()  # Redis is back: the cron sweep wakes the delivery lanes
    run_worker(rq_app)
    assert statuses() == [("email", "sent"), ("whatsapp", "sent")]


def test_readyz_names_redis_when_it_is_down(make_app, app):
    down = make_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")
    res = down.test_client().get("/readyz")
    assert res.status_code == 503 and res.get_json()["down"] == ["redis"]


def test_two_workers_claiming_at_once_never_share_a_row(rq_app):
    jobs = rq_app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    client = rq_app.test_client()
    from app.api.auth import generate_api_key

    _, raw = generate_api_key("t", scopes="dispatch")
    db.session.commit()
    for i in range(10):
        f.customer(f"c-{i}", email=f"c{i}@example.com")
    db.session.commit()
    for i in range(10):
        client.post(URL, json=f.dispatch_payload(customer_id=f"c-{i}"), headers={"X-API-Key": raw})
    claimed: list[list] = []
    barrier = threading.Barrier(2)

    def claim():
        with rq_app.app_context():
            barrier.wait()
            claimed.append(delivery.claim_due(15)[1])
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, second = claimed
    assert not set(first) & set(second) and len(first) + len(second) == 20


def test_a_retry_is_scheduled_on_a_whole_second_never_before_its_time(rq_app):
    from datetime import datetime, timedelta, timezone

    from rq.registry import ScheduledJobRegistry

    from jobs.delivery import send_notification

    jobs = rq_app.extensions["avisos_jobs"]
    when = datetime.now(timezone.utc).replace(microsecond=250_000) + timedelta(seconds=30)
    assert jobs.enqueue_at(when, "notifications", send_notification, "x", job_id="retry-x-1")
    registry = ScheduledJobRegistry(queue=jobs.queue("notifications"))
    assert registry.get_scheduled_time("retry-x-1") >= when


def test_a_lane_marker_whose_job_is_gone_is_cleared_and_the_lane_woken(rq_app):
    from app.queue.lanes import LANE_KEY

    jobs = rq_app.extensions["avisos_jobs"]
    jobs.redis.set(LANE_KEY.format(0), "deliver-lane-0-never-enqueued", ex=120)
    jobs.redis.set(LANE_KEY.format(1), "deliver-lane-1-never-enqueued", ex=120)
    assert jobs.wake_lanes() == []  # both marked: nothing to do, as far as the markers tell
    assert sorted(jobs.wake_lanes(repair=True)) == [0, 1]
    waiting = set(jobs.queue("notifications").job_ids)
    assert {jobs.redis.get(LANE_KEY.format(lane)).decode() for lane in (0, 1)} == waiting
