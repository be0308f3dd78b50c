"""Pull-sync jobs (queue `sync`): the periodic check that starts the due sources, and one source's run.

`run_due_sources` is registered every minute (jobs/cron.py; the embedded scheduler calls it too)
and enqueues one `run_sync_source` per due source; "Sincronizar ahora" in the console enqueues
`run_sync_source(id, "manual")`. A source's lock makes a second concurrent run a no-op.
"""

from __future__ import annotations

from app import sync
from jobs.entry import job_entry


@job_entry
def run_due_sources() -> int:
    """Enqueue a run for every active source whose next run is due. Returns how many."""
    return sync.start_due_sources()


@job_entry
def run_sync_source(source_id: str, trigger: str = "schedule") -> dict | None:
    """Run one source; returns the run's counts (None when it was already running or is gone)."""
    return sync.run_source_summary(source_id, trigger)
