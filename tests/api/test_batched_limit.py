import logging
import threading
from collections import Counter
from types import SimpleNamespace

import limits.storage.memory
import pytest
from limits import parse
from limits.storage import MemoryStorage, storage_from_string

from app.api import batched_limit
from app.api.auth import generate_api_key
from app.api.batched_limit import BatchedFixedWindow, parse_limits
from app.api.limits import DISPATCH_LIMIT, _limited_by_batched_counter
from app.extensions import db
from tests.clock import FakeTime

DISPATCH = "/api/v1/notifications/events/dispatch/"
CALLER = ("avisos-rl", "key:1", "dispatch")


class CountingStorage:
    """A limits storage (MemoryStorage by default) that counts its calls and fails them while `down`."""

    def __init__(self, inner=None) -> None:
        self.inner = inner if inner is not None else MemoryStorage()
        self.calls: Counter[str] = Counter()
        self.down = False

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        def call(*args, **kwargs):
            self.calls[name] += 1
            if self.down:
                raise ConnectionError("storage unreachable")
            return method(*args, **kwargs)

        return call


@pytest.fixture
def clock(monkeypatch):
    import time

    fake = FakeTime(time.time())
    monkeypatch.setattr(batched_limit, "time", fake)
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return fake


@pytest.fixture
def storage():
    return CountingStorage()


@pytest.fixture
def limiter(storage):
    return BatchedFixedWindow(lambda: storage)


def hits(limiter, limit: str, count: int, caller=CALLER) -> list:
    items = parse_limits(limit)
    return [limiter.hit(items, *caller) for _ in range(count)]


def key(limit: str, caller=CALLER) -> str:
    return parse(limit).key_for(*caller)


# Limit strings


@pytest.mark.parametrize(("text", "expected"), [
    ("20000/hour", ["20000 per 1 hour"]),
    ("100 per minute", ["100 per 1 minute"]),
    ("20000/hour;10/second", ["10 per 1 second", "20000 per 1 hour"]),
    ("5/2 minutes, 1 per second", ["1 per 1 second", "5 per 2 minute"]),
    ("", []),
])
def test_limit_strings_are_read_as_flask_limiter_reads_them(text, expected):
    assert [str(item) for item in parse_limits(text)] == expected


def test_malformed_limit_string_is_refused():
    with pytest.raises(ValueError):
        parse_limits("lots per hour")


# Counting


def test_small_limit_refuses_exactly_the_hit_after_the_limit(limiter, clock):
    results = hits(limiter, "3/minute", 4)
    assert results[:3] == [None, None, None]
    assert str(results[3].limit) == "3 per 1 minute" and 1 <= results[3].retry_after <= 61


def test_callers_are_counted_separately(limiter, clock):
    hits(limiter, "2/minute", 2)
    assert hits(limiter, "2/minute", 1, caller=("avisos-rl", "key:2", "dispatch")) == [None]
    assert hits(limiter, "2/minute", 1)[0] is not None


def test_hits_far_below_the_limit_do_not_call_the_storage_each_time(limiter, storage, clock):
    assert hits(limiter, "1000/hour", 50) == [None] * 50
    assert storage.calls["incr"] == 1  # the caller's first hit in this process asks for the shared count


def test_hits_near_the_limit_each_go_to_the_storage(limiter, storage, clock):
    hits(limiter, "100/hour", 50)  # up to half the limit: the first hit pushed, the others local
    calls = storage.calls["incr"]
    hits(limiter, "100/hour", 10)
    assert storage.calls["incr"] == calls + 10


def test_pending_hits_are_pushed_after_the_flush_interval(limiter, storage, clock):
    hits(limiter, "1000/hour", 10)
    clock.advance(0.15)
    hits(limiter, "1000/hour", 1)
    assert storage.inner.get(key("1000/hour")) == 11


def test_flush_pushes_pending_hits_now(limiter, storage, clock):
    hits(limiter, "1000/hour", 10)
    limiter.flush()
    assert storage.inner.get(key("1000/hour")) == 10


def test_another_process_sees_pushed_hits_and_the_two_accept_exactly_the_limit(clock):
    shared = MemoryStorage()
    first = BatchedFixedWindow(lambda: CountingStorage(shared))
    second = BatchedFixedWindow(lambda: CountingStorage(shared))
    hits(first, "100/hour", 40)
    clock.advance(0.2)
    hits(first, "100/hour", 1)  # pushes the 40 counted so far and this one: 41 in the storage
    results = hits(second, "100/hour", 60)
    assert results[:59] == [None] * 59 and results[59] is not None


def test_a_new_window_starts_from_zero(limiter, clock):
    assert hits(limiter, "2/minute", 3)[2] is not None
    clock.advance(61)
    assert hits(limiter, "2/minute", 1) == [None]


def test_hits_pending_when_the_window_ends_are_dropped_with_it(limiter, storage, clock):
    hits(limiter, "100/minute", 30)
    clock.advance(61)
    hits(limiter, "100/minute", 1)
    assert storage.inner.get(key("100/minute")) == 1


def test_every_limit_of_a_list_must_hold(limiter, clock):
    assert hits(limiter, "2/second;3/minute", 3)[2].limit == parse("2/second")
    clock.advance(1.1)
    results = hits(limiter, "2/second;3/minute", 2)
    assert results[0] is None and results[1].limit == parse("3/minute")


def test_hits_from_concurrent_threads_are_all_counted(limiter, storage, clock):
    items = parse_limits("1000/hour")
    results = []

    def caller_thread():
        results.extend(limiter.hit(items, *CALLER) for _ in range(100))

    threads = [threading.Thread(target=caller_thread) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    limiter.flush()
    assert results == [None] * 800 and storage.inner.get(key("1000/hour")) == 800


# Storage failures and processes


def test_storage_failure_counts_in_process_memory_and_never_raises(limiter, storage, clock):
    storage.down = True
    results = hits(limiter, "3/minute", 4)
    assert results[:3] == [None, None, None] and results[3] is not None


def test_hits_pending_when_the_storage_fails_stay_counted(limiter, storage, clock):
    hits(limiter, "100/hour", 40)  # one in the storage, 39 pending here
    storage.down = True
    clock.advance(0.2)
    results = hits(limiter, "100/hour", 62)  # the 39 and this hit start the in-memory count at 40; 60 more fit
    assert results[:61] == [None] * 61 and results[61] is not None


def test_other_callers_pending_hits_stay_counted_when_the_storage_fails(limiter, storage, clock):
    hits(limiter, "100/hour", 40)  # one in the storage, 39 pending here
    storage.down = True
    clock.advance(0.2)
    hits(limiter, "100/hour", 1, caller=("avisos-rl", "key:2", "dispatch"))  # fails: counting moves to memory
    results = hits(limiter, "100/hour", 62)  # the 39 start the in-memory count; 61 more fit
    assert results[:61] == [None] * 61 and results[61] is not None


def test_storage_failure_warns_at_most_once_a_minute(limiter, storage, clock, caplog, monkeypatch):
    # Alembic's fileConfig during the test database migration disables loggers that existed then.
    monkeypatch.setattr(batched_limit.log, "disabled", False)
    storage.down = True
    with caplog.at_level(logging.WARNING, logger=batched_limit.__name__):
        for _ in range(11):
            hits(limiter, "3/minute", 1)
            clock.advance(5.5)  # past the retry interval: every hit tries the storage again
        warnings_in_a_minute = len(caplog.records)
        clock.advance(10)
        hits(limiter, "3/minute", 1)
    assert warnings_in_a_minute == 1 and len(caplog.records) == 2


def test_storage_is_tried_again_after_the_retry_interval(limiter, storage, clock):
    storage.down = True
    hits(limiter, "3/minute", 1)
    storage.down = False
    hits(limiter, "3/minute", 1)
    assert storage.calls["incr"] == 1
    clock.advance(batched_limit.STORAGE_RETRY_SECONDS + 0.1)
    hits(limiter, "3/minute", 1)
    assert storage.calls["incr"] == 2


def test_a_forked_process_makes_its_own_storage_client(clock, monkeypatch):
    made = []

    def factory():
        made.append(CountingStorage())
        return made[-1]

    limiter = BatchedFixedWindow(factory)
    hits(limiter, "1000/hour", 5)
    monkeypatch.setattr(batched_limit, "os", SimpleNamespace(getpid=lambda: -1))
    hits(limiter, "1000/hour", 1)
    assert len(made) == 2 and made[1].calls["incr"] == 1  # the child asks for the shared count afresh


def test_instances_share_counts_through_redis(redis_url, clock):
    first = BatchedFixedWindow(lambda: storage_from_string(redis_url))
    second = BatchedFixedWindow(lambda: storage_from_string(redis_url))
    hits(first, "1000/hour", 10)
    first.flush()
    hits(second, "1000/hour", 1)
    assert storage_from_string(redis_url).get(key("1000/hour")) == 11


# The dispatch endpoint


@pytest.fixture
def dispatch_storage(app, monkeypatch):
    """A fresh dispatch limiter for the test, over a CountingStorage."""
    storage = CountingStorage()
    monkeypatch.setitem(app.extensions, DISPATCH_LIMIT, BatchedFixedWindow(lambda: storage))
    return storage


def _key_headers() -> dict:
    _, raw = generate_api_key("k", scopes="dispatch")
    db.session.commit()
    return {"X-API-Key": raw}


def test_dispatch_answers_429_with_retry_after_after_the_limit(client, app, dispatch_storage):
    app.config["RATE_LIMIT_DISPATCH"] = "3/minute"
    headers = _key_headers()
    codes = [client.post(DISPATCH, headers=headers, json={}).status_code for _ in range(3)]
    res = client.post(DISPATCH, headers=headers, json={})
    assert 429 not in codes and res.status_code == 429
    message = "Rate limit exceeded (3 per 1 minute). Retry later."
    assert res.get_json() == {"error": message, "detail": message, "code": "rate_limited", "fields": {}}
    assert 1 <= int(res.headers["Retry-After"]) <= 61


def test_dispatch_counts_each_api_key_separately(client, app, dispatch_storage):
    app.config["RATE_LIMIT_DISPATCH"] = "1/minute"
    first, second = _key_headers(), _key_headers()
    assert client.post(DISPATCH, headers=first, json={}).status_code != 429
    assert client.post(DISPATCH, headers=second, json={}).status_code != 429
    assert client.post(DISPATCH, headers=first, json={}).status_code == 429


def test_dispatch_is_not_limited_when_rate_limiting_is_disabled(client, app, dispatch_storage):
    app.config.update(RATE_LIMIT_DISPATCH="1/minute", RATELIMIT_ENABLED=False)
    headers = _key_headers()
    assert 429 not in [client.post(DISPATCH, headers=headers, json={}).status_code for _ in range(3)]
    assert not dispatch_storage.calls


def test_dispatch_never_fails_because_the_storage_is_down(client, app, dispatch_storage):
    dispatch_storage.down = True
    headers = _key_headers()
    codes = {client.post(DISPATCH, headers=headers, json={}).status_code for _ in range(3)}
    assert codes.isdisjoint({429, 500})


def test_flask_limiter_skips_only_the_dispatch_view(app):
    with app.test_request_context(DISPATCH, method="POST"):
        assert _limited_by_batched_counter()
    with app.test_request_context("/api/v1/notifications/templates/"):
        assert not _limited_by_batched_counter()
