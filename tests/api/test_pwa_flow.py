"""The Ambacar PWA end to end, on the embedded path (in-process jobs) and on the production path (RQ on
Redis, a real worker; PostgreSQL under CI): registration syncs the customer through the PWA's server
route and dispatches the welcome at once, before the sync is processed; the customer switches push on
with the PWA's nested body; a finished phase is announced without credentials. Every message reaches
the local SMTP, Evolution and push peers."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app.catalog import seed_initial_data
from app.extensions import db
from app.models import Notification
from tests.api.pwa import CUSTOMER_ID, Pwa, V, core_token, pwa_settings
from tests.api.test_pwa_contract import PHASE_EVENT, REGISTRATION
from tests.conftest import BASE_OVERRIDES


def wait_until(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def peer_settings(smtp_peer, evolution_peer, push_peer, vapid_keys) -> dict:
    settings = pwa_settings(vapid_keys, BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"],
                            PUSH_ALLOWED_HOSTS=[urlsplit(push_peer.url).hostname])
    return {**settings, **smtp_peer.settings(), **evolution_peer.settings()}


def statuses(correlation_id: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted((n.channel or "", n.status) for n in db.session.scalars(
        select(Notification).where(Notification.correlation_id == correlation_id)))


def run_the_flow(browser: Pwa, hold_jobs, process_jobs, peers) -> None:
    """`hold_jobs` keeps the sync job from running until `process_jobs` (which then runs every job)."""
    smtp, evolution, push = peers
    hold_jobs()
    assert browser.sync_customer().status_code == 202
    welcome = browser.dispatch(REGISTRATION, jwt_token=True, token=core_token()).get_json()
    assert welcome["success"] is True and welcome["notifications_queued"] == 0  # waiting for the customer
    process_jobs()
    assert wait_until(lambda: statuses(welcome["correlation_id"]) == [("email", "sent"), ("whatsapp", "sent")])
    assert smtp.messages[0].message["Subject"] == "Bienvenido a Ambacar - Carlos Mendoza"
    assert evolution.sent[0]["number"] == "593991234567" and "Carlos Mendoza" in evolution.sent[0]["text"]

    subscriber = push.make_subscriber()
    res = browser.call("POST", f"{V}/push/subscribe/", {"customer_id": CUSTOMER_ID, "user_agent": "Mozilla/5.0",
                                                         "subscription": {**subscriber.subscription_info(),
                                                                          "expirationTime": None}})
    assert res.status_code == 201
    assert browser.call("GET", f"{V}/push/status/{CUSTOMER_ID}/").get_json()["has_subscription"] is True

    ready = browser.dispatch(PHASE_EVENT).get_json()
    assert ready["notifications_queued"] == 3
    process_jobs()
    assert wait_until(lambda: statuses(ready["correlation_id"]) == [("email", "sent"), ("push", "sent"),
                                                                    ("whatsapp", "sent")])
    [pushed] = push.delivered
    assert pushed.token == subscriber.token and pushed.payload["title"] and pushed.payload["url"]
    assert pushed.payload["icon"] == "/icon-192.png"
    assert len(smtp.messages) == 2 and len(evolution.sent) == 2


def test_the_pwa_flow_on_the_embedded_path(app, make_app, peer_settings, smtp_peer, evolution_peer, push_peer):
    embedded = make_app(JOBS_MODE="thread", **peer_settings)
    jobs = embedded.extensions["avisos_jobs"]
    release = threading.Event()
    with embedded.app_context():
        seed_initial_data()
        browser = Pwa(embedded.test_client(), BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"])

        def hold_the_job_threads():
            # Both in-process job threads wait, so the sync job waits behind them: the welcome
            # dispatch is certain to arrive before the customer exists, as it may in production.
            for _ in range(2):
                jobs.enqueue("sync", release.wait, 30)

        try:
            run_the_flow(browser, hold_the_job_threads, release.set, (smtp_peer, evolution_peer, push_peer))
        finally:
            release.set()
            jobs.shutdown()
            db.session.remove()


def test_the_pwa_flow_on_postgresql_and_redis(app, make_app, peer_settings, redis_url, smtp_peer, evolution_peer,
                                              push_peer):
    production = make_app(JOBS_MODE="rq", REDIS_URL=redis_url, **peer_settings)
    jobs = production.extensions["avisos_jobs"]

    def work() -> None:
        worker = SimpleWorker([jobs.queue(q) for q in ("notifications", "sync", "maintenance")], connection=jobs.redis)
        worker.work(burst=True, with_scheduler=False)

    with production.app_context():
        seed_initial_data()
        browser = Pwa(production.test_client(), BASE_OVERRIDES["INTERNAL_API_SECRET_KEY"])
        try:
            run_the_flow(browser, lambda: None, work, (smtp_peer, evolution_peer, push_peer))
        finally:
            jobs.shutdown()
            db.session.remove()
