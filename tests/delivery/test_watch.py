"""The watch (app/delivery/watch.py): rows of dead claimers given back, forgotten due rows woken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import delivery
from app.delivery import claimers, sweeper
from app.delivery.watch import Watch
from app.extensions import db
from app.models import DeliveryAttempt, Notification
from app.models.base import utcnow
from app.queue import DELIVER_LANE
from tests import factories as f
from tests.faults.harness import wait_until

URL = "/api/v1/notifications/events/dispatch/"


@pytest.fixture
def claimed(app, client, api_headers):
    """One email row accepted and claimed by this process (no job ran)."""
    f.basic_setup(channels={"email": True, "whatsapp": False, "push": False})
    f.customer()
    db.session.commit()
    jobs = app.extensions["avisos_jobs"]
    jobs.mode = "manual"
    assert client.post(URL, json=f.dispatch_payload(), headers=api_headers).status_code == 202
    _, [row_id] = delivery.claim_due(10)
    return row_id


def row(row_id) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row_id)


def needs_postgresql():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("claimers' liveness locks are PostgreSQL's")


def test_a_claim_names_the_claiming_process(claimed):
    assert row(claimed).claimed_by == claimers.claimer_id()


def test_rows_of_a_claimer_seen_dead_on_two_checks_are_given_back(claimed, app):
    needs_postgresql()
    db.session.execute(update(Notification).values(claimed_by=424242))  # nobody holds this claimer's lock
    db.session.commit()
    watch = Watch(app, interval=0.01)
    assert watch.check()["reclaimed"] == 0  # seen dead once: a suspect
    wait_until(lambda: watch.check()["reclaimed"], 5, "the second check")
    given_back = row(claimed)
    assert given_back.status == "retrying" and given_back.error_code == "worker_lost"
    assert db.session.scalar(select(DeliveryAttempt.error_code)) == "worker_lost"


def test_a_live_claimers_rows_are_kept(claimed, app):
    needs_postgresql()
    watch = Watch(app, interval=0.0)
    assert [watch.check()["reclaimed"] for _ in range(3)] == [0, 0, 0]
    assert row(claimed).status == "sending"


def test_rows_left_claimed_by_the_previous_run_are_given_back_at_start(claimed):
    db.session.execute(update(Notification).values(claimed_by=claimers.claimer_id() + 1))
    db.session.commit()
    assert sweeper.recover_dead_claims(claimers.previous_incarnations()) == 1
    assert row(claimed).status == "retrying"


def test_rows_due_for_longer_than_an_interval_wake_the_lanes(claimed, app):
    jobs = app.extensions["avisos_jobs"]
    db.session.execute(update(Notification).values(status="retrying", claim_token=None,
                                                   next_retry_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    jobs.pending.clear()
    done = Watch(app, interval=1.0).check()
    assert done["overdue"] and done["lanes_woken"]
    assert [job for job, _ in jobs.pending] == [DELIVER_LANE] * len(done["lanes_woken"])


def test_rows_just_queued_are_left_to_their_own_wake(claimed, app):
    db.session.execute(update(Notification).values(status="queued", claim_token=None))
    db.session.commit()
    assert Watch(app, interval=60.0).check() == {"reclaimed": 0, "released": 0, "overdue": False, "lanes_woken": []}
