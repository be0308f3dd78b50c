"""The live console feed publishes only while the channel has subscribers. Tests against a real Redis
use the `redis_url` fixture (skipped locally without TEST_REDIS_URL, failing under CI when Redis is
missing); each test uses its own channel so nothing else on that Redis can listen in."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from redis import Redis

from app.integrations import live
from tests.clock import ManualClock

DEAD_REDIS_URL = "redis://127.0.0.1:1/11"  # nothing listens on port 1


class CountingRedis(Redis):
    """The publisher's client, counting its NUMSUB questions and PUBLISH pipelines."""

    numsub_calls = 0
    pipelines = 0

    def pubsub_numsub(self, *args, **kwargs):
        self.numsub_calls += 1
        return super().pubsub_numsub(*args, **kwargs)

    def pipeline(self, *args, **kwargs):
        self.pipelines += 1
        return super().pipeline(*args, **kwargs)


@pytest.fixture(autouse=True)
def own_channel(monkeypatch):
    monkeypatch.setattr(live, "CHANNEL", f"avisos:live:test:{uuid.uuid4().hex}")
    live.forget_listeners()
    yield live.CHANNEL
    live.forget_listeners()


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    fake = ManualClock()
    monkeypatch.setattr(live, "monotonic", fake)
    return fake


@pytest.fixture
def feed_redis(app, redis_url, monkeypatch) -> CountingRedis:
    """REDIS_URL set, a 1 s check interval, and the publisher's client counting its calls."""
    app.config["REDIS_URL"] = redis_url
    app.config["LIVE_LISTENER_CHECK_SECONDS"] = 1.0
    client = CountingRedis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
    monkeypatch.setitem(live._clients, redis_url, client)
    yield client
    client.close()


@pytest.fixture
def listen(redis_url):
    """listen() -> a subscriber on another connection (as another process would be), confirmed."""
    opened = []

    def start():
        pubsub = Redis.from_url(redis_url).pubsub()
        pubsub.subscribe(live.channel_for(redis_url))
        assert pubsub.get_message(timeout=30)["type"] == "subscribe"
        opened.append(pubsub)
        return pubsub

    yield start
    for pubsub in opened:
        pubsub.close()


def received(pubsub) -> list[dict]:
    events = []
    while (message := pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)) is not None:
        events.append(json.loads(message["data"]))
    return events


def event(number: int) -> dict:
    return {"type": "notification.queued", "timestamp": "2025-01-01T00:00:00.000Z", "data": {"n": number}}


def test_without_redis_url_nothing_is_published(app):
    app.config["REDIS_URL"] = None
    clients_before = dict(live._clients)  # other tests' clients stay cached in the process

    assert live.publish([event(1)]) == 0
    assert live._clients == clients_before


def test_nobody_listening_means_nothing_published_and_one_check_per_interval(feed_redis, clock):
    results = [live.publish([event(n)]) for n in range(5)]

    assert results == [0] * 5
    assert feed_redis.numsub_calls == 1
    assert feed_redis.pipelines == 0


def test_nobody_listening_is_checked_again_after_the_interval(feed_redis, clock):
    live.publish([event(1)])
    clock.now += 1.0
    live.publish([event(2)])

    assert feed_redis.numsub_calls == 2
    assert feed_redis.pipelines == 0


def test_a_listener_receives_every_event_in_order(feed_redis, clock, listen):
    subscriber = listen()

    assert live.publish([event(1), event(2)]) == 2
    assert live.publish([event(3)]) == 1

    assert [e["data"]["n"] for e in received(subscriber)] == [1, 2, 3]


def test_while_listeners_stay_no_extra_check_is_made(feed_redis, clock, listen):
    listen()
    for n in range(3):
        clock.now += 5.0
        live.publish([event(n)])

    assert feed_redis.numsub_calls == 1  # the first publish; every PUBLISH reply refreshes the answer


def test_a_listener_appearing_elsewhere_is_noticed_after_the_interval(feed_redis, clock, listen):
    assert live.publish([event(1)]) == 0
    subscriber = listen()

    assert live.publish([event(2)]) == 0  # the answer "nobody" is less than an interval old
    clock.now += 1.0
    assert live.publish([event(3)]) == 1

    assert [e["data"]["n"] for e in received(subscriber)] == [3]


def test_a_publish_nobody_received_stops_publishing_at_once(feed_redis, clock, listen):
    subscriber = listen()
    live.publish([event(1)])
    subscriber.unsubscribe()
    while subscriber.get_message(timeout=30)["type"] != "unsubscribe":
        pass  # event 1 arrives first

    assert live.publish([event(2)]) == 1  # handed to Redis, which reported no receivers
    assert live.publish([event(3)]) == 0

    assert feed_redis.pipelines == 2
    assert feed_redis.numsub_calls == 1


def test_zero_interval_checks_on_every_event(feed_redis, clock, listen, app):
    app.config["LIVE_LISTENER_CHECK_SECONDS"] = 0
    live.publish([event(1)])
    live.publish([event(2)])
    subscriber = listen()

    assert live.publish([event(3)]) == 1
    assert feed_redis.numsub_calls == 3
    assert [e["data"]["n"] for e in received(subscriber)] == [3]


def test_a_console_subscribing_in_this_process_is_noticed_at_once(feed_redis, clock, app):
    assert live.publish([event(1)]) == 0
    feed = live.subscribe(poll_seconds=0.5)
    assert next(feed) is None  # subscribed
    try:
        assert live.publish([event(2)]) == 1
        items = [next(feed) for _ in range(3)]
    finally:
        feed.close()

    assert [json.loads(item)["data"]["n"] for item in items if item is not None] == [2]


def test_redis_down_publish_returns_zero_without_raising(app, clock):
    app.config["REDIS_URL"] = DEAD_REDIS_URL

    assert live.publish([event(1)]) == 0


def test_redis_down_is_logged_once_per_interval(app, clock, caplog, monkeypatch):
    app.config["REDIS_URL"] = DEAD_REDIS_URL
    app.config["LIVE_LISTENER_CHECK_SECONDS"] = 1.0
    # Alembic's fileConfig during the test database migration disables loggers that existed then.
    monkeypatch.setattr(live.log, "disabled", False)
    caplog.set_level(logging.WARNING, logger=live.__name__)

    for n in range(3):
        live.publish([event(n)])
    clock.now += 1.0
    live.publish([event(4)])

    failures = [r for r in caplog.records if r.name == live.__name__ and "publish failed" in r.getMessage()]
    assert len(failures) == 2
