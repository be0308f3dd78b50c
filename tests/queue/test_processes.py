"""Where timed jobs are moved to their queue: the `scheduler` process, not a child of every worker."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry

from app.queue.processes import TimedJobs

PROCFILE = __import__("pathlib").Path(__file__).resolve().parents[2] / "Procfile"


def test_the_scheduler_process_moves_a_due_timed_job_to_its_queue(redis_url):
    connection = Redis.from_url(redis_url)
    queue = Queue("notifications", connection=connection)
    queue.enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=1), "builtins.print", "x", job_id="due-x")
    timed = TimedJobs(connection, ["notifications"])
    timed.run_once()
    assert "due-x" in queue.job_ids
    assert "due-x" not in ScheduledJobRegistry(queue=queue).get_job_ids()


def test_a_timed_job_not_yet_due_stays_scheduled(redis_url):
    connection = Redis.from_url(redis_url)
    queue = Queue("notifications", connection=connection)
    queue.enqueue_at(datetime.now(timezone.utc) + timedelta(seconds=60), "builtins.print", "x", job_id="later-x")
    TimedJobs(connection, ["notifications"]).run_once()
    assert queue.job_ids == [] and "later-x" in ScheduledJobRegistry(queue=queue).get_job_ids()


def test_the_timed_jobs_thread_releases_its_locks_when_stopped(redis_url):
    connection = Redis.from_url(redis_url)
    timed = TimedJobs(connection, ["notifications"], interval=0.1).start()
    lock = "rq:scheduler-lock:notifications"
    deadline = time.monotonic() + 10
    while not connection.exists(lock) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connection.exists(lock)
    timed.stop()
    assert not connection.exists(lock)


def test_the_procfile_runs_one_scheduler_process_and_workers_without_rq_scheduler_children():
    lines = dict(line.split(":", 1) for line in PROCFILE.read_text().splitlines() if ":" in line)
    assert lines["scheduler"].split() == ["flask", "--app", "wsgi", "scheduler"]
    assert "--with-scheduler" not in lines["worker"]
