"""What the job queues look like now: depths per queue and live workers, read from RQ.

Without Redis (embedded or test modes) jobs run inside the web process: the answer says so
instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker

from app.queue.names import QUEUES
from app.queue.runtime import JobRunner, runner

log = logging.getLogger(__name__)


def queue_status() -> dict[str, Any]:
    """{mode, available, queues: [{name, queued, started, scheduled, failed}], workers: [...], error}."""
    jobs = runner()
    if jobs.mode != "rq":
        return {"mode": "in-process", "available": True, "queues": [], "workers": [], "error": None}
    try:
        return {"mode": "rq", "available": True, "queues": [_queue(jobs, name) for name in QUEUES],
                "workers": _workers(jobs), "error": None}
    except Exception as err:  # noqa: BLE001 - a broker outage is shown on the page, not raised
        log.warning("could not read RQ status: %s", err)
        return {"mode": "rq", "available": False, "queues": [], "workers": [], "error": type(err).__name__}


def _queue(jobs: JobRunner, name: str) -> dict[str, Any]:
    queue = jobs.queue(name)
    return {
        "name": name,
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "scheduled": queue.scheduled_job_registry.count,
        "failed": queue.failed_job_registry.count,
    }


def _workers(jobs: JobRunner) -> list[dict[str, Any]]:
    workers = []
    for worker in Worker.all(connection=jobs.redis):
        workers.append({
            "name": worker.name,
            "state": str(worker.get_state()),
            "queues": [q.name for q in worker.queues],
            "current_job": worker.get_current_job_id(),
            "last_heartbeat": worker.last_heartbeat.isoformat() if worker.last_heartbeat else None,
        })
    return sorted(workers, key=lambda w: w["name"])
