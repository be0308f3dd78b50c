"""Redis stops (SIGKILL of a private redis-server, its data gone) and comes back on the same port:
dispatches keep answering 202, workers and the scheduler never exit, and everything accepted is
delivered once Redis answers, without anyone running a command."""

from __future__ import annotations

import sys
import textwrap
import threading

import pytest
from redis import Redis

from tests.faults.harness import Tally, claimer_of, client_poster, received, run_workload, wait_until

pytestmark = pytest.mark.fault


def test_redis_stopped_during_dispatch_loses_nothing(rq_app, fault_data, api_key, pg_url, private_redis, spawn,
                                                     avisos_env, smtp_peer, evolution_peer):
    worker = spawn(["worker"], avisos_env(REDIS_URL=private_redis.url), "worker")
    wait_until(lambda: claimer_of(pg_url, worker.pid), 30, "the worker's liveness lock")
    tally = Tally()
    load = threading.Thread(target=run_workload, args=(client_poster(rq_app, api_key), range(200), tally))
    load.start()
    wait_until(lambda: tally.accepted_events >= 40, 60, "40 accepted events")
    private_redis.stop()
    wait_until(lambda: tally.accepted_events >= 120, 60, "events accepted while Redis is down")
    private_redis.start()
    load.join(120)

    assert set(tally.codes) == {202} and len(tally.accepted_rows) == 400, tally.errors
    wait_until(lambda: received(smtp_peer, evolution_peer).distinct == 400, 60, "every message delivered")
    assert received(smtp_peer, evolution_peer).duplicates == 0 and worker.alive()


def test_redis_stopped_during_delivery_the_worker_rides_it_out(rq_app, fault_data, api_key, pg_url, private_redis,
                                                               spawn, avisos_env, smtp_peer, evolution_peer):
    worker = spawn(["worker"], avisos_env(REDIS_URL=private_redis.url), "worker")
    wait_until(lambda: claimer_of(pg_url, worker.pid), 30, "the worker's liveness lock")
    evolution_peer.script(delay=0.05, times=1000)
    tally = Tally()
    run_workload(client_poster(rq_app, api_key), range(150), tally)
    assert set(tally.codes) == {202} and len(tally.accepted_rows) == 300
    wait_until(lambda: received(smtp_peer, evolution_peer).distinct >= 40, 30, "delivery under way")
    private_redis.stop()
    during = received(smtp_peer, evolution_peer).distinct
    # The lane job keeps delivering from the database; the worker then waits for Redis.
    wait_until(lambda: "could not connect to Redis" in worker.log_text(), 30, "the worker to meet the outage")
    private_redis.start()

    wait_until(lambda: received(smtp_peer, evolution_peer).distinct == 300, 60, "every message delivered")
    seen = received(smtp_peer, evolution_peer)
    assert during < 300 and seen.duplicates == 0 and worker.alive()
    assert worker.log_text().count("could not connect to Redis") <= 1  # logged once per outage


def test_the_scheduler_rides_out_a_redis_outage(app, pg_url, private_redis, spawn, avisos_env, tmp_path):
    # RQ's cron scheduler sleeps up to a minute between its jobs; with a job every second it meets the
    # outage at once. The loop of `flask scheduler` (app/queue/processes.py), with another cron file.
    cron_file = tmp_path / "cron_every_second.py"
    cron_file.write_text("from rq import cron\nfrom jobs.maintenance import retry_failed_notifications\n"
                         "cron.register(retry_failed_notifications, queue_name='maintenance', interval=1)\n")
    script = textwrap.dedent(f"""
        from rq.cron import CronScheduler
        from app import create_app
        from app.queue import run_scheduler, runner
        app = create_app()
        with app.app_context():
            def make():
                cron = CronScheduler(connection=runner().redis, logging_level="INFO")
                cron.load_config_from_file({str(cron_file)!r})
                return cron
            run_scheduler(app, make)
    """)
    scheduler = spawn([], avisos_env(REDIS_URL=private_redis.url), "scheduler", command=[sys.executable, "-c", script])
    queued = lambda: Redis.from_url(private_redis.url).llen("rq:queue:maintenance")  # noqa: E731
    wait_until(queued, 30, "the first scheduled job")
    private_redis.stop()
    wait_until(lambda: "Redis is not answering" in scheduler.log_text(), 30, "the scheduler to meet the outage")
    private_redis.start()
    wait_until(queued, 60, "a job scheduled after the outage")
    assert scheduler.alive() and scheduler.log_text().count("Redis is not answering") == 1
