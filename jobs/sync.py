"""Sync jobs (queue `sync`): apply a queued customer or vehicle sync task (app/sync/tasks.py)."""

from __future__ import annotations

from app import sync
from jobs.entry import job_entry


@job_entry
def sync_customers(task_id: str) -> dict | None:
    """Apply a customer sync task, then plan the dispatches that were waiting for those customers."""
    return sync.run_customers_task(task_id)


@job_entry
def sync_vehicles(task_id: str) -> dict | None:
    """Apply a vehicle sync task."""
    return sync.run_vehicles_task(task_id)
