"""A worker dies mid-delivery (SIGKILL): its claimed rows are given back within 30 s, without
waiting for SENDING_TIMEOUT_SECONDS, and at most DELIVERY_RECORD_GROUP + DELIVERY_SEND_CONCURRENCY
- 1 messages are sent twice; a slow but live worker keeps its rows."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.faults.harness import Tally, claimer_of, client_poster, received, run_workload, wait_until

pytestmark = pytest.mark.fault

CRASH_BOUND = 10 + 8 - 1  # DELIVERY_RECORD_GROUP + DELIVERY_SEND_CONCURRENCY - 1 (defaults)


def rows_claimed_by(pg_url: str, claimer: int) -> int:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM notifications WHERE status = 'sending' AND claimed_by = %s",
                            [claimer]).fetchone()[0]


def status_counts(pg_url: str) -> dict[str, int]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM notifications GROUP BY status").fetchall())


def given_back(pg_url: str) -> int:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM delivery_attempts WHERE error_code = 'worker_lost'").fetchone()[0]


def test_a_killed_workers_rows_are_given_back_within_30_s_and_few_are_sent_twice(
        rq_app, fault_data, api_key, pg_url, private_redis, spawn, avisos_env, smtp_peer, evolution_peer):
    env = avisos_env(REDIS_URL=private_redis.url)
    doomed, survivor = spawn(["worker"], env, "doomed"), spawn(["worker"], env, "survivor")
    doomed_claimer = wait_until(lambda: claimer_of(pg_url, doomed.pid), 30, "the first worker's liveness lock")
    wait_until(lambda: claimer_of(pg_url, survivor.pid), 30, "the second worker's liveness lock")
    evolution_peer.script(delay=0.25, times=1000)  # slow sends: the kill lands mid-delivery
    tally = Tally()
    run_workload(client_poster(rq_app, api_key), range(150), tally)
    assert set(tally.codes) == {202} and len(tally.accepted_rows) == 300

    held = wait_until(lambda: rows_claimed_by(pg_url, doomed_claimer), 30, "the first worker to hold a claim")
    doomed.kill()
    killed = time.monotonic()
    wait_until(lambda: rows_claimed_by(pg_url, doomed_claimer) == 0, 30, "the dead worker's rows to be given back")
    recovered = time.monotonic() - killed

    wait_until(lambda: status_counts(pg_url) == {"sent": 300}, 60, "every row sent")
    seen = received(smtp_peer, evolution_peer)
    assert held and recovered < 30 and 0 < given_back(pg_url) <= 50
    assert seen.distinct == 300 and seen.duplicates <= CRASH_BOUND, (seen.duplicates, recovered)
    assert sum(n - 1 for n in seen.whatsapp.values()) == 0  # looked up at Evolution before a resend
    assert survivor.alive()


def test_a_slow_live_workers_rows_are_never_taken(rq_app, fault_data, api_key, pg_url, private_redis, spawn,
                                                  avisos_env, smtp_peer, evolution_peer):
    # Each send takes three watch intervals: a watch that mistook slowness for death would take them.
    env = avisos_env(REDIS_URL=private_redis.url, WATCH_INTERVAL_SECONDS=1, EVOLUTION_TIMEOUT=6)
    slow, watcher = spawn(["worker"], env, "slow"), spawn(["scheduler"], env, "scheduler")
    slow_claimer = wait_until(lambda: claimer_of(pg_url, slow.pid), 30, "the worker's liveness lock")
    evolution_peer.script(delay=3.0, times=10)
    tally = Tally()
    run_workload(client_poster(rq_app, api_key), range(5), tally)
    assert set(tally.codes) == {202} and len(tally.accepted_rows) == 10

    wait_until(lambda: rows_claimed_by(pg_url, slow_claimer), 30, "the worker to claim")
    wait_until(lambda: status_counts(pg_url) == {"sent": 10}, 60, "every row sent")
    seen = received(smtp_peer, evolution_peer)
    assert given_back(pg_url) == 0 and seen.distinct == 10 and seen.duplicates == 0
    assert watcher.alive() and slow.alive()
