"""The Evolution gateway fails: 5xx answers are retried until delivered; a timed-out send the
gateway had taken is found with findMessages and not sent again; where the gateway cannot be asked,
delivery is at-least-once (each timed-out message is sent twice)."""

from __future__ import annotations

import psycopg
import pytest

from tests.faults.harness import Tally, claimer_of, client_poster, received, run_workload, wait_until

pytestmark = pytest.mark.fault


def all_sent(pg_url: str, rows: int) -> bool:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM notifications WHERE status = 'sent'").fetchone()[0] == rows


@pytest.fixture
def worker(rq_app, fault_data, pg_url, private_redis, spawn, avisos_env):
    """One worker on the private Redis, and the scheduler process that moves its 1 s retries to the queue."""
    process = spawn(["worker"], avisos_env(REDIS_URL=private_redis.url), "worker")
    spawn(["scheduler"], avisos_env(REDIS_URL=private_redis.url), "scheduler")
    wait_until(lambda: claimer_of(pg_url, process.pid), 30, "the worker's liveness lock")
    return process


def dispatch(rq_app, api_key: str, events: int) -> Tally:
    tally = Tally()
    run_workload(client_poster(rq_app, api_key), range(events), tally)
    assert set(tally.codes) == {202} and len(tally.accepted_rows) == 2 * events
    return tally


def test_evolution_5xx_answers_are_retried_until_delivered(worker, rq_app, api_key, pg_url, smtp_peer, evolution_peer):
    evolution_peer.script(503, {"status": 503, "error": "Service Unavailable"}, times=30)
    dispatch(rq_app, api_key, 40)
    wait_until(lambda: all_sent(pg_url, 80), 60, "every row sent")
    seen = received(smtp_peer, evolution_peer)
    assert seen.distinct == 80 and seen.duplicates == 0


def test_evolution_timeouts_are_looked_up_and_not_sent_again(worker, rq_app, api_key, pg_url, smtp_peer,
                                                             evolution_peer):
    evolution_peer.script(delay=2.0, times=20)  # taken by the gateway, answered after our 1 s timeout
    dispatch(rq_app, api_key, 40)
    wait_until(lambda: all_sent(pg_url, 80), 60, "every row sent")
    seen = received(smtp_peer, evolution_peer)
    assert seen.distinct == 80 and seen.duplicates == 0
    assert len(evolution_peer.lookups) >= 20


def test_evolution_timeouts_without_a_lookup_are_sent_again_at_least_once(worker, rq_app, api_key, pg_url,
                                                                          smtp_peer, evolution_peer):
    evolution_peer.find_status = 404  # a gateway that cannot be asked
    evolution_peer.script(delay=2.0, times=20)
    dispatch(rq_app, api_key, 40)
    wait_until(lambda: all_sent(pg_url, 80), 60, "every row sent")
    seen = received(smtp_peer, evolution_peer)
    assert seen.distinct == 80 and seen.duplicates == 20
