"""Backlog slots: the n-th message waiting for an opening gets opening + n / rate, counted in Redis
when delivery runs on RQ and in the database otherwise (or while Redis does not answer)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app import queue
from app.dispatch import policy
from app.orchestration.policy import Window

OPENING = datetime(2026, 1, 21, 13, 0, tzinfo=timezone.utc)


def requests(n: int, key: str = "shop|whatsapp|opening") -> list[policy.SlotRequest]:
    """n rows waiting for OPENING at 60 a minute (one a second)."""
    window = Window(ZoneInfo("America/Guayaquil"))
    return [policy.SlotRequest(key, OPENING, window, 60, [{"scheduled_at": OPENING} for _ in range(n)])]


def taken(reqs) -> list[datetime]:
    return [row["scheduled_at"] for r in reqs for row in r.rows]


def test_database_counter_spreads_consecutive_batches(app):
    first, second = requests(2), requests(2)
    policy.take_slots(first)
    policy.take_slots(second)
    assert taken(first) + taken(second) == [OPENING + timedelta(seconds=s) for s in (0, 1, 2, 3)]


@pytest.fixture
def rq_counters(app, redis_url, monkeypatch):
    app.config["REDIS_URL"] = redis_url
    jobs = app.extensions["avisos_jobs"]
    monkeypatch.setattr(jobs, "_redis", None)
    monkeypatch.setattr(jobs, "mode", "rq")
    monkeypatch.setattr(queue, "_counters_down_until", 0.0)
    return jobs


def test_redis_counter_spreads_consecutive_batches(rq_counters):
    first, second = requests(3), requests(1)
    policy.take_slots(first)
    policy.take_slots(second)
    assert taken(second) == [OPENING + timedelta(seconds=3)]
    assert rq_counters.redis.ttl("avisos:counter:shop|whatsapp|opening") > 0


def test_redis_down_falls_back_to_the_database_counter(rq_counters, monkeypatch):
    monkeypatch.setattr(rq_counters, "_redis", __import__("redis").Redis(port=1, socket_connect_timeout=0.2))
    first = requests(2)
    policy.take_slots(first)
    assert taken(first) == [OPENING, OPENING + timedelta(seconds=1)]
    assert queue._counters_down_until > 0
