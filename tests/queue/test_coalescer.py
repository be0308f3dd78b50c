"""Coalesced delivery wakes (app/queue/coalescer.py, DeliveryLanes.request in rq mode)."""

from __future__ import annotations

import threading
import time

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.queue.coalescer import Coalescer
from tests import factories as f

URL = "/api/v1/notifications/events/dispatch/"


class Recorder:
    """An action that records when each run started; it can be held inside a run."""

    def __init__(self, hold: threading.Event | None = None, fail: bool = False):
        self.starts: list[float] = []
        self.hold = hold
        self.fail = fail
        self.ran = threading.Event()

    def __call__(self):
        self.starts.append(time.monotonic())
        self.ran.set()
        if self.hold is not None:
            self.hold.wait(30)
        if self.fail:
            raise RuntimeError("action failed")


def wait_until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_request_on_an_idle_coalescer_runs_at_once():
    action = Recorder()
    coalescer = Coalescer(action, interval=10, name="test-coalescer")
    asked = time.monotonic()
    coalescer.request()
    assert action.ran.wait(30)
    assert action.starts[0] >= asked
    coalescer.stop()


def test_a_burst_of_requests_becomes_few_runs_the_last_after_the_last_request():
    action = Recorder()
    coalescer = Coalescer(action, interval=0.05, name="test-coalescer")
    first_request = time.monotonic()
    for _ in range(200):
        coalescer.request()
        time.sleep(0.0005)
    last_request = time.monotonic()
    assert wait_until(lambda: action.starts and action.starts[-1] >= last_request)
    # At most one run per interval however long the burst took on this machine: one at once, then
    # one per interval, and the last after the last request.
    assert len(action.starts) <= 2 + (last_request - first_request) / 0.05
    assert len(action.starts) < 200
    coalescer.stop()


def test_a_request_during_a_run_gets_a_run_of_its_own():
    hold = threading.Event()
    action = Recorder(hold)
    coalescer = Coalescer(action, interval=0.01, name="test-coalescer")
    coalescer.request()
    assert action.ran.wait(30)
    asked = time.monotonic()
    coalescer.request()
    hold.set()
    assert wait_until(lambda: len(action.starts) == 2)
    assert action.starts[1] >= asked
    coalescer.stop()


def test_stopping_carries_out_a_pending_request_then_ends_the_thread():
    action = Recorder()
    coalescer = Coalescer(action, interval=30, name="test-coalescer")
    coalescer.request()
    assert action.ran.wait(30)
    coalescer.request()  # waits for the 30 s interval
    coalescer.stop(timeout=30)
    assert len(action.starts) == 2 and not coalescer.alive()


def test_a_failing_run_does_not_end_the_thread():
    action = Recorder(fail=True)
    coalescer = Coalescer(action, interval=0.01, name="test-coalescer")
    coalescer.request()
    assert action.ran.wait(30)
    coalescer.request()
    assert wait_until(lambda: len(action.starts) == 2)
    assert coalescer.alive()
    coalescer.stop()


@pytest.fixture
def coalesced_rq_app(app, make_app, redis_url, peers_configured):
    """An rq-mode app with the production wake interval."""
    rq_app = make_app(JOBS_MODE="rq", REDIS_URL=redis_url, DELIVERY_WAKE_INTERVAL_SECONDS=0.05)
    rq_app.config.update({k: v for k, v in app.config.items() if k.startswith(("EMAIL_", "EVOLUTION_", "DEFAULT_FROM"))})
    f.basic_setup(channels={"email": True, "whatsapp": True, "push": False})
    for n in range(5):
        f.customer(f"customer-{n}", email=f"c{n}@example.com")
    db.session.commit()
    with rq_app.app_context():
        yield rq_app
        rq_app.extensions["avisos_jobs"].shutdown()
        db.session.remove()


def test_dispatches_in_rq_mode_wake_at_most_one_job_per_lane_and_all_are_delivered(coalesced_rq_app, api_key, peers_configured):
    jobs = coalesced_rq_app.extensions["avisos_jobs"]
    notifications = jobs.queue("notifications")
    client = coalesced_rq_app.test_client()
    for n in range(5):
        res = client.post(URL, json=f.dispatch_payload(customer_id=f"customer-{n}"), headers={"X-API-Key": api_key})
        assert res.status_code == 202
    assert wait_until(lambda: notifications.count >= 1)
    jobs.shutdown()  # carries out the trailing wakes: once every lane is marked they enqueue nothing
    assert 1 <= notifications.count <= coalesced_rq_app.config["DELIVERY_LANES"]
    SimpleWorker([notifications], connection=jobs.redis).work(burst=True, with_scheduler=False)
    db.session.expire_all()
    assert {n.status for n in db.session.scalars(select(Notification))} == {"sent"}
    assert len(peers_configured["smtp"].messages) == 5 and len(peers_configured["evolution"].sent) == 5
