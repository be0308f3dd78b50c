"""Pull-sync jobs (queue `sync`): the periodic check that starts the due sources, and one source's run.

`run_due_sources` is registered every minute (jobs/cron.py; the embedded scheduler calls it too)
and enqueues one `run_sync_source` per due source; "Sincronizar ahora" in the console enqueues
`run_sync_source(id, "manual")`. A source's lock makes a second concurrent run a no-op.
"""

from __future__ import annotations

import uuid

from app.services import pull_sync
from jobs.runtime import job_entry, runner


@job_entry
def run_due_sources() -> int:
    """Enqueue a run for every active source whose next run is due. Returns how many."""
    ids = pull_sync.due_source_ids()
    for source_id in ids:
        request_run(str(source_id), "schedule")
    return len(ids)


@job_entry
def run_sync_source(source_id: str, trigger: str = "schedule") -> dict | None:
    """Run one source; returns the run's counts (None when it was already running or is gone)."""
    run = pull_sync.run_source(uuid.UUID(source_id), trigger)
    if run is None:
        return None
    return {"status": run.status, "rows_read": run.rows_read, "rows_upserted": run.rows_upserted,
            "rows_rejected": run.rows_rejected, "error": run.error}


def request_run(source_id: str, trigger: str) -> bool:
    """Hand a source's run to the job runner (after the caller's commit)."""
    return runner().enqueue("sync", run_sync_source, source_id, trigger)
